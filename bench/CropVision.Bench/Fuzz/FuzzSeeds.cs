using CropVision.Core.Preprocessing;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using SkiaSharp;

namespace CropVision.Bench.Fuzz;

/// <summary>
/// The images the fuzzer mutates: real photos from ../shared/datasets (BRACOL leaves and symptom crops, flower photos),
/// the same leaf re-encoded by .NET's encoders (PNG, WebP lossy and lossless, 16-bit PNG via ImageSharp, JPEG with an
/// EXIF orientation, JPEGs large enough for 1/2 and 1/4 DCT scaling), and the committed seeds in Fuzz/seeds that only
/// sharp could write (progressive, CMYK, greyscale and 4:4:4 JPEG, animated WebP, 16-bit, interlaced and palette PNG;
/// see Fuzz/seeds/README.md for the command that made them).
/// </summary>
public static class FuzzSeeds
{
    public static string? DatasetsFolder() => BenchInputs.BracolFolder() is { } bracol && Directory.Exists(bracol) ? Path.GetDirectoryName(bracol) : null;

    public static List<(string Name, byte[] Bytes)> Load(string repo, string datasets, int photosPerFolder = 12)
    {
        var seeds = new List<(string, byte[])>();
        foreach (var folder in new[] { "bracol-leaf", "bracol-symptom", "not-leaf" })
        {
            var root = Path.Combine(datasets, folder);
            if (!Directory.Exists(root)) continue;
            var files = Directory.GetFiles(root, "*.*", SearchOption.AllDirectories)
                .Where(f => f.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".jpeg", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal).ToList();
            // Spread over the folder (every class), in a fixed order.
            for (int i = 0; i < photosPerFolder && files.Count > 0; i++)
            {
                var f = files[i * files.Count / photosPerFolder];
                seeds.Add(($"{folder}/{Path.GetRelativePath(root, f)}", File.ReadAllBytes(f)));
            }
        }
        if (seeds.Count == 0) return seeds;
        var leaf = seeds[0].Item2;
        using var bitmap = SKBitmap.Decode(leaf) ?? throw new InvalidDataException($"{seeds[0].Item1} does not decode.");
        seeds.Add(("leaf.png", Encode(bitmap, SKEncodedImageFormat.Png, 100)));
        seeds.Add(("leaf-q80.webp", Encode(bitmap, SKEncodedImageFormat.Webp, 80)));
        using (var pixmap = bitmap.PeekPixels())
        using (var lossless = pixmap.Encode(new SKWebpEncoderOptions(SKWebpEncoderCompression.Lossless, 75)))
            if (lossless is not null) seeds.Add(("leaf-lossless.webp", lossless.ToArray()));
        seeds.Add(("leaf-1024x512.jpg", DecodeBenchmark.Jpeg(leaf, 1024, 512, noise: 12)));
        seeds.Add(("leaf-2000x1500.jpg", DecodeBenchmark.Jpeg(leaf, 2000, 1500, noise: 12)));
        seeds.Add(("leaf-exif6.jpg", WithOrientation(Encode(bitmap, SKEncodedImageFormat.Jpeg, 90), 6)));
        seeds.Add(("leaf-rgba64.png", Png16(leaf, grey: false)));
        seeds.Add(("leaf-l16.png", Png16(leaf, grey: true)));
        var committed = Path.Combine(repo, "bench", "CropVision.Bench", "Fuzz", "seeds");
        if (Directory.Exists(committed))
            foreach (var f in Directory.GetFiles(committed).Where(f => !f.EndsWith(".md")).Order(StringComparer.Ordinal))
                seeds.Add(($"seeds/{Path.GetFileName(f)}", File.ReadAllBytes(f)));
        return seeds;
    }

    private static byte[] Encode(SKBitmap bitmap, SKEncodedImageFormat format, int quality)
    {
        using var data = bitmap.Encode(format, quality);
        return data.ToArray();
    }

    /// <summary>16-bit PNG (RGBA or grey) by ImageSharp 2.1.13; Skia's encoder writes 8 bits only.</summary>
    private static byte[] Png16(byte[] photo, bool grey)
    {
        using var image = SixLabors.ImageSharp.Image.Load<Rgba64>(photo);
        using var ms = new MemoryStream();
        image.Save(ms, new PngEncoder { BitDepth = PngBitDepth.Bit16, ColorType = grey ? PngColorType.Grayscale : PngColorType.RgbWithAlpha });
        return ms.ToArray();
    }

    /// <summary>The JPEG with an APP1 EXIF block (big-endian TIFF, one IFD entry) giving this orientation.</summary>
    public static byte[] WithOrientation(byte[] jpeg, ushort orientation)
    {
        byte[] exif =
        [
            0xFF, 0xE1, 0x00, 0x22, (byte)'E', (byte)'x', (byte)'i', (byte)'f', 0, 0,
            (byte)'M', (byte)'M', 0x00, 0x2A, 0x00, 0x00, 0x00, 0x08, // TIFF header, IFD at 8
            0x00, 0x01, 0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, (byte)(orientation >> 8), (byte)orientation, 0x00, 0x00, // Orientation, SHORT, 1
            0x00, 0x00, 0x00, 0x00, // no next IFD
        ];
        return [.. jpeg.AsSpan(0, 2), .. exif, .. jpeg.AsSpan(2)];
    }

    /// <summary>The service's pixel limit as appsettings.json sets it (Limits:MaxPixelsPerImage), else the built-in default.</summary>
    public static long ServicePixelLimit(string repo)
    {
        var path = Path.Combine(repo, "src", "CropVision.Api", "appsettings.json");
        if (!File.Exists(path)) return ImageDecoder.DefaultMaxPixels;
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path),
            new System.Text.Json.JsonDocumentOptions { CommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true }); // as the configuration reader allows
        return json.RootElement.TryGetProperty("Limits", out var limits) && limits.TryGetProperty("MaxPixelsPerImage", out var max) ? max.GetInt64() : ImageDecoder.DefaultMaxPixels;
    }
}
