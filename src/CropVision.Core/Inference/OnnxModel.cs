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
        using var options = (settings ?? new SessionSettings()).Create();
        _session = new InferenceSession(model, options);
        _input = _session.InputNames.Single();
        OutputNames = [.. _session.OutputNames];
    }

    /// <summary>Runs <paramref name="input"/> shaped <paramref name="shape"/>; returns output name to row-major values.</summary>
    public Dictionary<string, float[]> Run(float[] input, long[] shape)
    {
        using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var runOptions = new RunOptions();
        using var outputs = _session.Run(runOptions, [_input], [value], [.. OutputNames]);
        var result = new Dictionary<string, float[]>(OutputNames.Count);
        for (int i = 0; i < OutputNames.Count; i++) result[OutputNames[i]] = outputs[i].GetTensorDataAsSpan<float>().ToArray();
        return result;
    }

    public void Dispose() => _session.Dispose();
}
