using System.Collections.Concurrent;
using System.Security.Cryptography;
using CropVision.Core.Models;
using CropVision.Serving.Registry;

namespace CropVision.Api.OnDevice;

/// <summary>One served version's composed graph as the browser downloads it, with its strong ETag.</summary>
public sealed record BrowserModelFile(string Crop, int Version, byte[] Bytes, string ETag, string Precision);

/// <summary>
/// The composed ONNX graph (backbone + head, int8 where the manifest says so) of each served version: exactly the
/// bytes <c>cropvision export</c> writes (<see cref="ModelPackage.ToBytes"/>), composed once per version folder and
/// kept in memory (composing takes seconds; the int8 file is ~12 MB). A reload to a new version composes the new one
/// and drops the old.
/// </summary>
public sealed class BrowserModels(ModelRegistry registry)
{
    private readonly ConcurrentDictionary<string, Lazy<BrowserModelFile>> _files = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The file of the version now served for this crop, or null when none is served.</summary>
    public BrowserModelFile? Get(string crop)
    {
        var served = registry.Get(crop);
        if (served is null) return null;
        var key = $"{served.Crop}/{served.Version}/{served.Folder}";
        var file = _files.GetOrAdd(key, _ => new Lazy<BrowserModelFile>(() => Compose(served), LazyThreadSafetyMode.ExecutionAndPublication)).Value;
        foreach (var old in _files.Keys.Where(k => k != key && k.StartsWith(served.Crop + "/", StringComparison.OrdinalIgnoreCase))) _files.TryRemove(old, out _);
        return file;
    }

    private BrowserModelFile Compose(ServedModel served)
    {
        var bytes = ModelPackage.Load(served.Folder, registry.Backbone).ToBytes();
        var etag = $"\"{served.Crop}-{served.Version}-{Convert.ToHexStringLower(SHA256.HashData(bytes))[..16]}\"";
        return new BrowserModelFile(served.Crop, served.Version, bytes, etag, served.Manifest.Inference?.Int8Calibration is null ? "fp32" : "int8");
    }
}
