using System.Diagnostics;
using CropVision.Core.Preprocessing;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using SkiaSharp;

namespace CropVision.Bench;

/// <summary>
/// Image bytes to a model tensor, three ways, on one thread: the project's path (SkiaSharp, JPEG decoded at reduced
/// scale in the DCT domain), SkiaSharp decoding at full size then resizing, and ImageSharp 2.1.13 doing the same; and,
/// where Node.js is there, sharp/libvips on the same bytes, interleaved with the project's path (see <see cref="SharpDecode"/>).
/// </summary>
public static class DecodeBenchmark
{
    public sealed record Row(string Input, string Method, double MedianMs, double P90Ms);

    public const string SharpMethod = "sharp 0.35.5 (libvips) decode + resize";

    public static List<Row> Run(IReadOnlyList<(string Name, byte[] Jpeg)> inputs, int iterations, TextWriter log, string? sharpFolder = null)
    {
        var spec = new PreprocessingSpec();
        var rows = new List<Row>();
        foreach (var (name, jpeg) in inputs)
        {
            int before = rows.Count;
            // The project's path into a reused tensor, as the service does (it rents one from a pool).
            var tensor = new float[spec.FloatsPerImage];
            Action project = () => ImagePreprocessor.Preprocess(jpeg, spec, tensor.AsSpan());
            if (sharpFolder is null) rows.Add(Measure(name, "CropVision (SkiaSharp scaled decode)", iterations, project));
            else rows.AddRange(Interleaved(name, jpeg, spec, iterations, project, sharpFolder));
            rows.Add(Measure(name, "SkiaSharp full decode + resize", iterations, () => SkiaFull(jpeg, spec)));
            rows.Add(Measure(name, "ImageSharp 2.1.13 full decode + resize", iterations, () => ImageSharpFull(jpeg, spec)));
            foreach (var r in rows.Skip(before)) log.WriteLine($"  {r.Input,-22} {r.Method,-40} median {r.MedianMs,7:F1} ms  p90 {r.P90Ms,7:F1} ms");
        }
        return rows;
    }

    /// <summary>
    /// The project's path and sharp on the same bytes, A/B in alternating rounds of five (at least three rounds) so a
    /// busy moment on a shared machine falls on both; each side's median and p90 over all its rounds.
    /// </summary>
    private static Row[] Interleaved(string name, byte[] jpeg, PreprocessingSpec spec, int iterations, Action project, string sharpFolder)
    {
        var file = Path.Combine(Path.GetTempPath(), $"cropvision-decode-{Environment.ProcessId}-{jpeg.Length}.jpg");
        File.WriteAllBytes(file, jpeg);
        try
        {
            const int perRound = 5;
            int rounds = Math.Max(3, iterations / perRound);
            var ours = new List<double>();
            var sharp = new List<double>();
            project(); // warm-up: JIT and native library loading (sharp warms up in its own process each round)
            for (int round = 0; round < rounds; round++)
            {
                for (int i = 0; i < perRound; i++)
                {
                    var sw = Stopwatch.StartNew();
                    project();
                    ours.Add(sw.Elapsed.TotalMilliseconds);
                }
                sharp.AddRange(SharpDecode.Times(sharpFolder, file, perRound, spec));
            }
            return [Summary(name, "CropVision (SkiaSharp scaled decode)", ours), Summary(name, SharpMethod, sharp)];
        }
        finally { File.Delete(file); }
    }

    private static Row Summary(string input, string method, List<double> times)
    {
        times.Sort();
        return new Row(input, method, times[times.Count / 2], times[(int)Math.Ceiling(times.Count * 0.9) - 1]);
    }

    private static Row Measure(string input, string method, int iterations, Action action)
    {
        action(); // warm-up: JIT and native library loading
        var times = new double[iterations];
        for (int i = 0; i < iterations; i++)
        {
            var sw = Stopwatch.StartNew();
            action();
            times[i] = sw.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        return new Row(input, method, times[iterations / 2], times[(int)Math.Ceiling(iterations * 0.9) - 1]);
    }

    private static float[] SkiaFull(byte[] jpeg, PreprocessingSpec spec)
    {
        using var full = SKBitmap.Decode(jpeg);
        using var resized = full.Resize(new SKImageInfo(spec.ResizeWidth, spec.ResizeHeight, SKColorType.Rgba8888, SKAlphaType.Unpremul), new SKSamplingOptions(SKCubicResampler.Mitchell));
        var t = new float[spec.FloatsPerImage];
        ImagePreprocessor.WriteViews(resized, spec, t);
        return t;
    }

    private static float[] ImageSharpFull(byte[] jpeg, PreprocessingSpec spec)
    {
        using var image = SixLabors.ImageSharp.Image.Load<Rgba32>(jpeg);
        image.Mutate(x => x.AutoOrient().Resize(spec.ResizeWidth, spec.ResizeHeight, KnownResamplers.MitchellNetravali));
        var t = new float[spec.FloatsPerImage];
        int s = spec.TileSize, plane = s * s;
        // Same tiling as the project's path, so the work compared is the same.
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < spec.ResizeHeight; y++)
            {
                var row = rows.GetRowSpan(y);
                for (int x = 0; x < spec.ResizeWidth; x++)
                {
                    int tile = x / s, i = y * s + x % s, at = tile * spec.FloatsPerView;
                    t[at + i] = row[x].R; t[at + plane + i] = row[x].G; t[at + 2 * plane + i] = row[x].B;
                }
            }
        });
        return t;
    }

    /// <summary>
    /// Phone-like test JPEGs made from a real photo when one is given, else from a synthetic leaf. An upscaled photo is
    /// smoother than a camera's, so seeded sensor-like noise is added to large sizes: the file then weighs what a phone's does.
    /// </summary>
    public static byte[] Jpeg(byte[]? source, int width, int height, int quality = 90, int noise = 0)
    {
        using var bmp = source is null ? null : SKBitmap.Decode(source);
        using var surface = SKSurface.Create(new SKImageInfo(width, height));
        if (bmp is not null)
            surface.Canvas.DrawImage(SKImage.FromBitmap(bmp), new SKRect(0, 0, width, height), new SKSamplingOptions(SKCubicResampler.Mitchell));
        else
        {
            surface.Canvas.Clear(SKColors.White);
            using var green = new SKPaint { Color = new SKColor(40, 130, 40), IsAntialias = true };
            surface.Canvas.DrawOval(width / 2f, height / 2f, width * 0.4f, height * 0.35f, green);
        }
        using var img = surface.Snapshot();
        if (noise > 0)
        {
            using var noisy = SKBitmap.FromImage(img);
            var px = noisy.GetPixelSpan();
            var rng = new Random(1);
            for (int i = 0; i < px.Length; i++) if (i % 4 != 3) px[i] = (byte)Math.Clamp(px[i] + rng.Next(-noise, noise + 1), 0, 255);
            using var data2 = noisy.Encode(SKEncodedImageFormat.Jpeg, quality);
            return data2.ToArray();
        }
        using var data = img.Encode(SKEncodedImageFormat.Jpeg, quality);
        return data.ToArray();
    }
}
