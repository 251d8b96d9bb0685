using CropVision.Core.Inference;
using CropVision.Core.Models;
using CropVision.Core.Preprocessing;

namespace CropVision.Training.Features;

/// <summary>Per-view backbone features of one image: [views, D], views ordered flip-major as in <see cref="PreprocessingSpec"/>.</summary>
public sealed record ImageFeatures(string RelativePath, string Sha256, float[] Values);

/// <summary>
/// Turns photos into backbone features with the shared preprocessing and the same featurizer graph the composed model
/// contains. Decoding runs ahead on another thread while the backbone runs.
/// </summary>
public sealed class FeatureExtractor : IDisposable
{
    private readonly OnnxModel _featurizer;
    private readonly PreprocessingSpec _spec;
    public int FeatureSize { get; }
    public int FloatsPerImage => _spec.ViewCount * FeatureSize;

    public FeatureExtractor(Backbone backbone, IReadOnlyList<string> layers, PreprocessingSpec spec, SessionSettings? settings = null)
    {
        _spec = spec;
        FeatureSize = Backbone.FeatureSize(layers);
        _featurizer = new OnnxModel(Google.Protobuf.MessageExtensions.ToByteArray(GraphComposer.BuildFeaturizer(backbone, layers)), settings);
    }

    /// <summary>Everything that changes the features, for the cache key.</summary>
    public static string CacheKey(Backbone backbone, IReadOnlyList<string> layers, PreprocessingSpec spec) =>
        $"{backbone.Sha256()}|{string.Join(",", layers)}|{System.Text.Json.JsonSerializer.Serialize(spec)}";

    public float[] Extract(float[] imageTensor)
    {
        var result = _featurizer.Run(imageTensor, [_spec.ViewCount, 3, _spec.TileSize, _spec.TileSize]);
        return result[GraphComposer.FeaturesOutput];
    }

    /// <summary>Features for every file (from the cache where present). Unreadable images are listed, not fatal.</summary>
    public (List<ImageFeatures> Features, List<UnreadableImage> Unreadable) ExtractAll(
        string root, IReadOnlyList<string> relativePaths, FeatureCache? cache, Action<int>? onProgress = null, CancellationToken ct = default)
    {
        var (results, unreadable) = ImagePipeline.Run(root, relativePaths, _spec,
            sha => cache is not null && cache.TryGet(sha, out var hit) ? new ImageFeatures("", sha, hit) : null,
            (sha, tensor) =>
            {
                var values = Extract(tensor);
                cache?.Add(sha, values);
                return new ImageFeatures("", sha, values);
            }, onProgress, ct);
        var features = new List<ImageFeatures>(results.Length);
        for (int i = 0; i < results.Length; i++)
            if (results[i] is { } r) features.Add(r with { RelativePath = relativePaths[i] });
        return (features, unreadable);
    }

    public void Dispose() => _featurizer.Dispose();
}
