using System.Buffers;
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

    private long _images, _views;
    /// <summary>Backbone passes per image so far (an early exit makes it vary).</summary>
    public double PassesPerImage => Interlocked.Read(ref _images) is > 0 and var n ? (double)Interlocked.Read(ref _views) / n : 0;

    public CropModel(ModelPackage package, SessionSettings? settings = null)
    {
        Manifest = package.Manifest;
        Folder = package.Folder;
        _session = new OnnxModel(package.ToBytes(), settings);
    }

    public static CropModel Load(string versionFolder, Backbone backbone, SessionSettings? settings = null, InferenceSpec? inference = null) =>
        new(ModelPackage.Load(versionFolder, backbone, inference), settings);

    /// <summary>Image bytes to outputs, through the shared preprocessing.</summary>
    public ModelOutput Predict(ReadOnlySpan<byte> imageBytes, long maxPixels = ImageDecoder.DefaultMaxPixels) =>
        Run(ImagePreprocessor.Preprocess(imageBytes, Spec, maxPixels), 1)[0];

    /// <summary>Runs <paramref name="count"/> preprocessed images laid end to end in <paramref name="tensors"/>.</summary>
    public ModelOutput[] Run(float[] tensors, int count) => Run(tensors.AsMemory(0, count * Spec.FloatsPerImage), count);

    public ModelOutput[] Run(Memory<float> tensors, int count)
    {
        Interlocked.Add(ref _images, count);
        if (Manifest.Inference?.EarlyExit is not { } exit) return RunViews(tensors, count, Spec.ViewCount);
        // Stage 1: the first flip's tiles of every image (flip-major layout: the first TileCount views).
        var s = Spec;
        int first = s.TileCount * s.FloatsPerView, rest = s.FloatsPerImage - first;
        var results = RunSlices(tensors, [.. Enumerable.Range(0, count)], 0, first, s.TileCount);
        var unsure = Enumerable.Range(0, count).Where(i => results[i].Probabilities[Manifest.PrimaryOutput].Max() < exit.ConfidentAbove).ToArray();
        if (unsure.Length == 0 || rest == 0) return results;

        // Stage 2, one follow-up batch: the other flips of the images that were not confident, averaged in by flip count.
        var more = RunSlices(tensors, unsure, first, rest, s.ViewCount - s.TileCount);
        float w1 = 1f / s.Flips.Count, w2 = 1 - w1;
        for (int j = 0; j < unsure.Length; j++)
        {
            var a = results[unsure[j]];
            var b = more[j];
            results[unsure[j]] = new ModelOutput(
                a.Probabilities.ToDictionary(p => p.Key, p => Mix(p.Value, b.Probabilities[p.Key], w1, w2)),
                w1 * a.Distance + w2 * b.Distance,
                Mix(a.Features, b.Features, w1, w2));
        }
        return results;
    }

    /// <summary>
    /// Runs the views at [<paramref name="offset"/>, +<paramref name="length"/>) of the chosen images. One image's views
    /// are contiguous, so they run in place; several are gathered into a pooled buffer (each image's views are over
    /// 1 MB: a fresh array per batch would be a large-object allocation on every request).
    /// </summary>
    private ModelOutput[] RunSlices(Memory<float> tensors, int[] images, int offset, int length, int views)
    {
        int n = Spec.FloatsPerImage;
        if (images.Length == 1) return RunViews(tensors.Slice(images[0] * n + offset, length), 1, views);
        var gathered = ArrayPool<float>.Shared.Rent(images.Length * length);
        try
        {
            for (int j = 0; j < images.Length; j++) tensors.Slice(images[j] * n + offset, length).CopyTo(gathered.AsMemory(j * length));
            return RunViews(gathered.AsMemory(0, images.Length * length), images.Length, views);
        }
        finally { ArrayPool<float>.Shared.Return(gathered); }
    }

    private static float[] Mix(float[] a, float[] b, float wa, float wb)
    {
        var r = new float[a.Length];
        for (int i = 0; i < r.Length; i++) r[i] = wa * a[i] + wb * b[i];
        return r;
    }

    /// <summary>One session run over <paramref name="views"/> views per image (all flips, or whole flips' worth of tiles).</summary>
    private ModelOutput[] RunViews(Memory<float> tensors, int count, int views)
    {
        var s = Spec;
        Interlocked.Add(ref _views, (long)count * views);
        var outputs = _session.Run(tensors.Slice(0, count * views * s.FloatsPerView), [count, views, 3, s.TileSize, s.TileSize]);
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
