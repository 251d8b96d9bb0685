using SkiaSharp;

namespace CropVision.Bench;

/// <summary>The photos benchmarks send: real BRACOL leaves (when the dataset is beside the checkout), re-encoded to a given size.</summary>
public static class BenchInputs
{
    public static string? BracolFolder()
    {
        if (Environment.GetEnvironmentVariable("CROPVISION_DATASETS") is { Length: > 0 } env) return Path.Combine(env, "bracol-leaf");
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "datasets", "bracol-leaf");
            if (Directory.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>Up to <paramref name="count"/> real photos, a few of each class, in a fixed order.</summary>
    public static List<(string Name, byte[] Bytes)> Photos(int count)
    {
        var root = BracolFolder() ?? throw new InvalidOperationException("BRACOL photos not found (../shared/datasets/bracol-leaf or CROPVISION_DATASETS); the benchmarks use real photos.");
        return [.. Directory.GetDirectories(root).Order()
            .Select(d => Directory.GetFiles(d, "*.jpg").Order().ToList())
            .SelectMany(files => files.Take((count + 4) / 5))
            .Take(count)
            .Select(f => (Path.GetRelativePath(root, f), File.ReadAllBytes(f)))];
    }

    /// <summary>Re-encodes a photo as a JPEG of about <paramref name="targetBytes"/> (upscaled 2:1, quality searched).</summary>
    public static byte[] ReencodeTo(byte[] photo, int targetBytes)
    {
        using var bmp = SKBitmap.Decode(photo);
        byte[] best = [];
        foreach (var width in new[] { 512, 768, 1024, 1280, 1600, 2048 })
        {
            using var resized = bmp.Resize(new SKImageInfo(width, width / 2), new SKSamplingOptions(SKCubicResampler.Mitchell));
            using var image = SKImage.FromBitmap(resized);
            using var data = image.Encode(SKEncodedImageFormat.Jpeg, 90);
            best = data.ToArray();
            if (best.Length >= targetBytes * 0.8) break;
        }
        return best;
    }
}
