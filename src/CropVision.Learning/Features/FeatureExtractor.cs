using CropVision.Core.Inference;
using CropVision.Core.Models;
using CropVision.Core.Preprocessing;
using CropVision.Learning.Augmentation;

namespace CropVision.Learning.Features;

/// <summary>
/// Backbone features of one photo (or of one augmented copy): [views, D], views ordered flip-major as in
/// <see cref="PreprocessingSpec"/>. An original has every view; an augmented copy only the first flip's tiles.
/// </summary>
public sealed record ImageFeatures(string RelativePath, string Sha256, float[] Values, Framing Framing = Framing.Wide, int Copy = 0);

/// <summary>One photo to featurize: the original (<see cref="Copy"/> 0) or its augmented copy number Copy.</summary>
public sealed record FeatureJob(string RelativePath, int Copy = 0);

/// <summary>
/// Turns photos into backbone features with the shared preprocessing and the same featurizer graph the composed model
/// contains. Decoding (and augmenting) runs ahead on another thread while the backbone runs.
/// </summary>
public sealed class FeatureExtractor : IDisposable
{
    private readonly OnnxModel _featurizer;
    private readonly PreprocessingSpec _spec;
    public int FeatureSize { get; }
    public int FloatsPerImage => _spec.ViewCount * FeatureSize;
    /// <summary>An augmented copy is seen through the first flip only: its own random rotation replaces the others.</summary>
    public int FloatsPerCopy => _spec.TileCount * FeatureSize;

    public FeatureExtractor(Backbone backbone, IReadOnlyList<string> layers, PreprocessingSpec spec, SessionSettings? settings = null)
    {
        _spec = spec;
        FeatureSize = Backbone.FeatureSize(layers);
        _featurizer = new OnnxModel(Google.Protobuf.MessageExtensions.ToByteArray(GraphComposer.BuildFeaturizer(backbone, layers)), settings);
    }

    /// <summary>Everything that changes the features, for the cache key.</summary>
    public static string CacheKey(Backbone backbone, IReadOnlyList<string> layers, PreprocessingSpec spec) =>
        $"{backbone.Sha256()}|{string.Join(",", layers)}|{System.Text.Json.JsonSerializer.Serialize(spec)}";

    /// <summary>Cache key of augmented copies: the recipe and the run seed shape them too.</summary>
    public static string AugmentedCacheKey(Backbone backbone, IReadOnlyList<string> layers, PreprocessingSpec spec, int seed) =>
        $"{CacheKey(backbone, layers, spec)}|{Augmenter.RecipeFor(spec)}|seed {seed}|first flip";

    public float[] Extract(float[] imageTensor) => Extract(imageTensor, _spec.ViewCount);

    private float[] Extract(float[] imageTensor, int views)
    {
        var input = views == _spec.ViewCount ? imageTensor : imageTensor[..(views * _spec.FloatsPerView)];
        var result = _featurizer.Run(input, [views, 3, _spec.TileSize, _spec.TileSize]);
        return result[GraphComposer.FeaturesOutput];
    }

    /// <summary>Features for every file (from the cache where present). Unreadable images are listed, not fatal.</summary>
    public (List<ImageFeatures> Features, List<UnreadableImage> Unreadable) ExtractAll(
        string root, IReadOnlyList<string> relativePaths, FeatureCache? cache, Action<int>? onProgress = null, CancellationToken ct = default) =>
        ExtractAll(root, [.. relativePaths.Select(p => new FeatureJob(p))], cache, null, 0, onProgress, ct);

    /// <summary>
    /// Features for originals and augmented copies. Copies are keyed by the photo's SHA-256, the copy number and the
    /// seed, so a warm cache skips both the augmentation and the backbone.
    /// </summary>
    public (List<ImageFeatures> Features, List<UnreadableImage> Unreadable) ExtractAll(
        string root, IReadOnlyList<FeatureJob> jobs, FeatureCache? cache, FeatureCache? copyCache, int seed,
        Action<int>? onProgress = null, CancellationToken ct = default)
    {
        var (results, unreadable) = ImagePipeline.Run(root, [.. jobs.Select(j => j.RelativePath)], _spec,
            (key, framing) =>
            {
                var c = key.StartsWith("copy:", StringComparison.Ordinal) ? copyCache : cache;
                return c is not null && c.TryGet(Strip(key), out var hit) ? new ImageFeatures("", key, hit, framing) : null;
            },
            (key, tensor, framing) =>
            {
                bool copy = key.StartsWith("copy:", StringComparison.Ordinal);
                var values = Extract(tensor, copy ? _spec.TileCount : _spec.ViewCount);
                (copy ? copyCache : cache)?.Add(Strip(key), values);
                return new ImageFeatures("", key, values, framing);
            }, onProgress, ct,
            (i, sha) =>
            {
                if (jobs[i].Copy == 0) return (sha, null);
                int copySeed = Augmenter.SeedFor(seed, sha, jobs[i].Copy);
                var key = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{sha}|{copySeed}")));
                return ("copy:" + key, (Func<byte[], byte[]>)(bytes => Augmenter.Augment(bytes, copySeed, _spec)));
            });
        var features = new List<ImageFeatures>(results.Length);
        for (int i = 0; i < results.Length; i++)
            if (results[i] is { } r) features.Add(r with { RelativePath = jobs[i].RelativePath, Copy = jobs[i].Copy });
        // An unreadable photo is listed once, not once per copy.
        return (features, [.. unreadable.DistinctBy(u => u.RelativePath)]);
    }

    private static string Strip(string key) => key.StartsWith("copy:", StringComparison.Ordinal) ? key[5..] : key;

    public void Dispose() => _featurizer.Dispose();
}
