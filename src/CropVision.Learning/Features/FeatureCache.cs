using System.Security.Cryptography;
using System.Text;

namespace CropVision.Learning.Features;

/// <summary>
/// Backbone features per image, on disk, keyed by the image bytes' SHA-256 and by everything that shapes the features
/// (backbone file, layers, preprocessing). Re-running train on the same photos skips the backbone entirely.
/// One append-only file per key; a torn last record (a run killed mid-write) is ignored on load.
/// </summary>
public sealed class FeatureCache
{
    private const int HashBytes = 32;
    private readonly string _file;
    private readonly int _floats;
    private readonly Dictionary<string, float[]> _entries = new(StringComparer.Ordinal);
    private readonly object _gate = new();

    public int Count { get { lock (_gate) return _entries.Count; } }
    public string FilePath => _file;

    public FeatureCache(string cacheRoot, string configuration, int floatsPerImage)
    {
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(configuration)))[..16];
        Directory.CreateDirectory(cacheRoot);
        _file = Path.Combine(cacheRoot, $"features-{key}.bin");
        _floats = floatsPerImage;
        Load();
    }

    public static string DefaultRoot =>
        Environment.GetEnvironmentVariable("CROPVISION_CACHE") is { Length: > 0 } env ? env
        : Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } x ? x
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "cropvision");

    public bool TryGet(string imageSha, out float[] features)
    {
        lock (_gate) return _entries.TryGetValue(imageSha, out features!);
    }

    public void Add(string imageSha, float[] features)
    {
        if (features.Length != _floats) throw new ArgumentException("Feature length does not match the cache.", nameof(features));
        lock (_gate)
        {
            if (!_entries.TryAdd(imageSha, features)) return;
            using var f = new FileStream(_file, FileMode.Append, FileAccess.Write, FileShare.Read);
            var record = new byte[HashBytes + _floats * 4];
            Convert.FromHexString(imageSha).CopyTo(record, 0);
            Buffer.BlockCopy(features, 0, record, HashBytes, _floats * 4);
            f.Write(record);
        }
    }

    private void Load()
    {
        if (!File.Exists(_file)) return;
        var bytes = File.ReadAllBytes(_file);
        int record = HashBytes + _floats * 4;
        for (int at = 0; at + record <= bytes.Length; at += record)
        {
            var sha = Convert.ToHexStringLower(bytes, at, HashBytes);
            var features = new float[_floats];
            Buffer.BlockCopy(bytes, at + HashBytes, features, 0, _floats * 4);
            _entries[sha] = features;
        }
    }
}
