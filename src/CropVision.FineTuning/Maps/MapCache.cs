using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace CropVision.FineTuning.Maps;

/// <summary>
/// Tail input maps on disk, one fp16 file per photo or augmented copy, under a folder named by everything that shapes
/// them (backbone file, preprocessing, augmentation recipe, seed). fp16 halves the disk and memory (a wide photo's
/// first flip is 2 views x 100 KB); the tail computes in fp32. A file is written whole (temporary name, then moved),
/// so a run killed mid-write leaves no torn entry.
/// </summary>
public sealed class MapCache(string cacheRoot, string configuration)
{
    public string Folder { get; } = Path.Combine(cacheRoot, "maps-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(configuration)))[..16]);

    private string FileFor(string key) => Path.Combine(Folder, key[^2..], key + ".f16");

    public bool TryGet(string key, out Half[] maps)
    {
        var path = FileFor(key);
        if (!File.Exists(path)) { maps = []; return false; }
        var bytes = File.ReadAllBytes(path);
        maps = MemoryMarshal.Cast<byte, Half>(bytes).ToArray();
        return true;
    }

    public void Add(string key, Half[] maps)
    {
        var path = FileFor(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var staging = $"{path}.{Environment.ProcessId}.tmp";
        File.WriteAllBytes(staging, MemoryMarshal.AsBytes(maps.AsSpan()));
        File.Move(staging, path, overwrite: true);
    }

    public int Count => Directory.Exists(Folder) ? Directory.EnumerateFiles(Folder, "*.f16", SearchOption.AllDirectories).Count() : 0;
}
