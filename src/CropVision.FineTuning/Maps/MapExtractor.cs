using System.Diagnostics;
using CropVision.Core.Inference;
using CropVision.Core.Models;
using CropVision.Core.Preprocessing;
using CropVision.Learning.Augmentation;
using CropVision.Learning.Features;

namespace CropVision.FineTuning.Maps;

/// <summary>Tail input maps of one photo or augmented copy: [views, 256, 14, 14] in fp16, views flip-major; <paramref name="Sha256"/> is the photo's (a copy's original's).</summary>
public sealed record MapEntry(string RelativePath, int Copy, Half[] Maps, Framing Framing, string Sha256 = "")
{
    public int Views => Maps.Length / MapGraph.FloatsPerView;
}

/// <summary>
/// Runs photos and their augmented copies through the shared preprocessing (and <see cref="Augmenter"/>, seeded as
/// <c>train --augment</c> seeds it) and the backbone's front, caching the maps. An original keeps all its views
/// (flips x tiles); a copy only its first flip's tiles, as the feature cache does: its own rotation replaces the flips.
/// </summary>
public sealed class MapExtractor : IDisposable
{
    private readonly OnnxModel _front;
    private readonly PreprocessingSpec _spec;
    private readonly MapCache? _cache;
    private readonly int _seed;

    /// <summary>Maps computed (not read from the cache) by the last <see cref="ExtractAll"/>.</summary>
    public int Computed { get; private set; }

    public MapExtractor(Backbone backbone, PreprocessingSpec spec, string? cacheRoot, int seed, SessionSettings? settings = null)
    {
        _spec = spec;
        _seed = seed;
        _front = new OnnxModel(Google.Protobuf.MessageExtensions.ToByteArray(MapGraph.Build(backbone)), settings);
        if (cacheRoot is not null)
            _cache = new MapCache(cacheRoot, $"{backbone.Sha256()}|{Torch.TorchBackbone.TailStart}|{System.Text.Json.JsonSerializer.Serialize(spec)}|{Augmenter.RecipeFor(spec)}|seed {seed}");
    }

    public string? CacheFolder => _cache?.Folder;

    public (List<MapEntry> Maps, List<UnreadableImage> Unreadable) ExtractAll(
        string root, IReadOnlyList<FeatureJob> jobs, Action<StageProgress>? onProgress = null, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        int computed = 0;
        var shas = new string[jobs.Count];
        var (results, unreadable) = ImagePipeline.Run(root, [.. jobs.Select(j => j.RelativePath)], _spec,
            (key, framing) => _cache is not null && _cache.TryGet(key, out var hit) ? new MapEntry("", 0, hit, framing) : null,
            (key, tensor, framing) =>
            {
                bool copy = key.StartsWith("copy-", StringComparison.Ordinal);
                int views = copy ? _spec.TileCount : _spec.ViewCount;
                var input = copy ? tensor[..(views * _spec.FloatsPerView)] : tensor;
                var floats = _front.Run(input, [views, 3, _spec.TileSize, _spec.TileSize])[Torch.TorchBackbone.TailStart];
                var maps = new Half[floats.Length];
                for (int i = 0; i < floats.Length; i++) maps[i] = (Half)floats[i];
                _cache?.Add(key, maps);
                computed++;
                return new MapEntry("", 0, maps, framing);
            },
            done => onProgress?.Invoke(new StageProgress("maps", done, jobs.Count, clock.Elapsed)), ct,
            (i, sha) =>
            {
                shas[i] = sha;
                if (jobs[i].Copy == 0) return (sha, null);
                int copySeed = Augmenter.SeedFor(_seed, sha, jobs[i].Copy);
                var key = "copy-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{sha}|{copySeed}")));
                return (key, (Func<byte[], byte[]>)(bytes => Augmenter.Augment(bytes, copySeed, _spec)));
            });
        Computed = computed;
        var maps = new List<MapEntry>(results.Length);
        for (int i = 0; i < results.Length; i++)
            if (results[i] is { } r) maps.Add(r with { RelativePath = jobs[i].RelativePath, Copy = jobs[i].Copy, Sha256 = shas[i] });
        return (maps, [.. unreadable.DistinctBy(u => u.RelativePath)]);
    }

    public void Dispose() => _front.Dispose();
}
