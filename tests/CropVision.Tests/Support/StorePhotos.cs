using CropVision.Tests.Support;
using SkiaSharp;

namespace CropVision.Tests.Support;

/// <summary>Photos for store tests: real BRACOL leaves where present, else painted JPEGs (the store does not care what is in them).</summary>
public static class StorePhotos
{
    /// <summary>A distinct JPEG per seed.</summary>
    public static byte[] Jpeg(int seed, int width = 320, int height = 160)
    {
        using var bmp = TestImages.Paint(width, height, (x, y) => new SKColor((byte)(x * 7 + seed * 31), (byte)(y * 5 + seed * 17), (byte)(seed * 53)));
        return TestImages.Encode(bmp, SKEncodedImageFormat.Jpeg, 90);
    }

    /// <summary>Real BRACOL photos (the first <paramref name="count"/> rust leaves), or null when the dataset is absent.</summary>
    public static IReadOnlyList<byte[]>? Bracol(int count) =>
        SharedData.HasBracol
            ? Directory.EnumerateFiles(Path.Combine(SharedData.Bracol, "rust"), "*.jpg").Order(StringComparer.Ordinal).Take(count).Select(File.ReadAllBytes).ToList()
            : null;
}
