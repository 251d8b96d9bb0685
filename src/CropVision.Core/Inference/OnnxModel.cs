using Microsoft.ML.OnnxRuntime;

namespace CropVision.Core.Inference;

/// <summary>A thin wrapper over an ONNX Runtime session with one float input: runs a batch and returns each named output as a flat array.</summary>
public sealed class OnnxModel : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string _input;
    public IReadOnlyList<string> OutputNames { get; }

    public OnnxModel(byte[] model, SessionSettings? settings = null)
    {
        settings ??= new SessionSettings();
        using var options = settings.Create();
        _session = OpenSession(model, settings, options);
        _input = _session.InputNames.Single();
        OutputNames = [.. _session.OutputNames];
    }

    /// <summary>Runs <paramref name="input"/> shaped <paramref name="shape"/>; returns output name to row-major values.</summary>
    public Dictionary<string, float[]> Run(float[] input, long[] shape) => Run(input.AsMemory(), shape);

    /// <summary>As above, over a slice (e.g. of a pooled buffer): ONNX Runtime reads the memory in place, without a copy.</summary>
    public Dictionary<string, float[]> Run(Memory<float> input, long[] shape)
    {
        using var value = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, input, shape);
        using var runOptions = new RunOptions();
        using var outputs = _session.Run(runOptions, [_input], [value], [.. OutputNames]);
        var result = new Dictionary<string, float[]>(OutputNames.Count);
        for (int i = 0; i < OutputNames.Count; i++) result[OutputNames[i]] = outputs[i].GetTensorDataAsSpan<float>().ToArray();
        return result;
    }

    /// <summary>
    /// Opens the session, from the optimized-graph cache when it holds this exact model for this provider; otherwise
    /// optimizes from the bytes and leaves the result in the cache for next time.
    /// </summary>
    private static InferenceSession OpenSession(byte[] model, SessionSettings settings, SessionOptions options)
    {
        if (settings.OptimizedModelCache is not { Length: > 0 } folder) return new InferenceSession(model, options);
        Directory.CreateDirectory(folder);
        var key = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(model))[..24];
        var cached = Path.Combine(folder, $"{key}-{settings.ProviderName.ToLowerInvariant()}-opt{(int)settings.Optimization}.onnx");
        if (File.Exists(cached))
        {
            // The file holds an already optimized graph: optimizing it again would rewrite its rewritten layout
            // (measured slower), so it is loaded as it is.
            var level = options.GraphOptimizationLevel;
            options.GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL;
            try { return new InferenceSession(cached, options); }
            catch (OnnxRuntimeException) { File.Delete(cached); } // a stale or torn file: rebuild it
            options.GraphOptimizationLevel = level;
        }
        options.OptimizedModelFilePath = cached;
        return new InferenceSession(model, options);
    }

    /// <summary>
    /// The operators ONNX Runtime actually runs for <paramref name="model"/> after its graph optimisations (it writes the
    /// optimized graph to a temporary file): shows whether QDQ pairs were fused into QLinearConv and friends.
    /// </summary>
    public static SortedDictionary<string, int> OptimizedOperators(byte[] model, SessionSettings? settings = null)
    {
        var file = Path.Combine(Path.GetTempPath(), $"cropvision-optimized-{Guid.NewGuid():N}.onnx");
        try
        {
            using (var options = (settings ?? new SessionSettings()).Create())
            {
                options.OptimizedModelFilePath = file;
                using var session = new InferenceSession(model, options);
            }
            var graph = Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(file)).Graph;
            return new SortedDictionary<string, int>(graph.Node.GroupBy(n => n.OpType).ToDictionary(g => g.Key, g => g.Count()), StringComparer.Ordinal);
        }
        finally { File.Delete(file); }
    }

    public void Dispose() => _session.Dispose();
}
