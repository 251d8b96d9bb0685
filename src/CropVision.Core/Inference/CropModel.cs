using CropVision.Core.Models;
using CropVision.Core.Preprocessing;

namespace CropVision.Core.Inference;

/// <summary>One image's raw model outputs: probabilities per task output, OOD distance, averaged features.</summary>
public sealed record ModelOutput(IReadOnlyDictionary<string, float[]> Probabilities, float Distance, float[] Features);

/// <summary>
/// A composed model ready to run: the project's inference path used by evaluate, predict and the service.
/// Thread-safe: ONNX Runtime sessions accept concurrent Run calls.
/// </summary>
public sealed class CropModel : IDisposable
{
    private readonly OnnxModel _session;
    public ModelManifest Manifest { get; }
    public string Folder { get; }
    public PreprocessingSpec Spec => Manifest.Preprocessing;
    /// <summary>Every task output, and the learned leaf score where the model has one.</summary>
    private IEnumerable<string> ProbabilityOutputs =>
        Manifest.Calibration.LeafOutput is { } leaf ? Manifest.Tasks.Select(t => t.Output).Append(leaf) : Manifest.Tasks.Select(t => t.Output);

    public CropModel(ModelPackage package, SessionSettings? settings = null)
    {
        Manifest = package.Manifest;
        Folder = package.Folder;
        _session = new OnnxModel(package.ToBytes(), settings);
    }

    public static CropModel Load(string versionFolder, Backbone backbone, SessionSettings? settings = null) =>
        new(ModelPackage.Load(versionFolder, backbone), settings);

    /// <summary>Image bytes to outputs, through the shared preprocessing.</summary>
    public ModelOutput Predict(ReadOnlySpan<byte> imageBytes, long maxPixels = ImageDecoder.DefaultMaxPixels) =>
        Run(ImagePreprocessor.Preprocess(imageBytes, Spec, maxPixels), 1)[0];

    /// <summary>Runs <paramref name="count"/> preprocessed images laid end to end in <paramref name="tensors"/>.</summary>
    public ModelOutput[] Run(float[] tensors, int count) => Run(tensors.AsMemory(0, count * Spec.FloatsPerImage), count);

    public ModelOutput[] Run(Memory<float> tensors, int count)
    {
        var s = Spec;
        var outputs = _session.Run(tensors, [count, s.ViewCount, 3, s.TileSize, s.TileSize]);
        var results = new ModelOutput[count];
        var distance = outputs[HeadParameters.DistanceOutput];
        var features = outputs[GraphComposer.FeaturesOutput];
        int d = features.Length / count;
        for (int i = 0; i < count; i++)
        {
            var probs = new Dictionary<string, float[]>();
            foreach (var name in ProbabilityOutputs)
            {
                var all = outputs[name];
                int k = all.Length / count;
                probs[name] = all.AsSpan(i * k, k).ToArray();
            }
            results[i] = new ModelOutput(probs, distance[i], features.AsSpan(i * d, d).ToArray());
        }
        return results;
    }

    public void Dispose() => _session.Dispose();
}
