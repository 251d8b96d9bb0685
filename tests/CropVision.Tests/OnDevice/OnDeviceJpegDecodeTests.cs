using System.Diagnostics;
using System.Text;
using CropVision.Core.Preprocessing;
using CropVision.Tests.Support;
using SkiaSharp;
using Xunit.Abstractions;

namespace CropVision.Tests.OnDevice;

/// <summary>
/// The phone's JPEG decoder (ClientApp/src/ondevice/jpegscaled.js: the real coefficients, libjpeg's scaled IDCT,
/// upsampling and colour tables) gives the service's decoded pixels bit for bit (ImageDecoder: SkiaSharp's
/// libjpeg-turbo at M/8, then the EXIF turn), run in Node on real BRACOL photos and re-encoded variants of them.
/// </summary>
[Trait("Category", "Fast")]
public sealed class OnDeviceJpegDecodeTests(ITestOutputHelper output)
{
    private static string Script => Path.Combine(SharedData.RepositoryRoot, "tests", "CropVision.Tests", "OnDevice", "decode-upright.mjs");
    private static string Module => Path.Combine(SharedData.RepositoryRoot, "src", "CropVision.Api", "ClientApp", "src", "ondevice", "jpegscaled.js");

    private sealed record Case(string Name, byte[] Bytes, int Width, int Height);

    private sealed record Decoded(int Width, int Height, int Eighths, bool Exact, byte[] Rgba);

    [BracolFact]
    public void BRACOL_val_leaves_decode_as_the_service_decodes_them()
    {
        // The photos OnDeviceTests compares answers on: the first five val leaves of each class (4:2:0, 512x256, 7/8).
        var cases = File.ReadLines(Path.Combine(SharedData.Bracol, "labels.csv")).Skip(1).Select(l => l.Split(','))
            .Where(c => c[^1] == "val").GroupBy(c => c[1]).OrderBy(g => g.Key, StringComparer.Ordinal)
            .SelectMany(g => g.Take(5)).Select(c => new Case($"{c[1]}/{c[0]}", File.ReadAllBytes(Path.Combine(SharedData.Bracol, c[1], c[0])), 448, 224)).ToList();
        Assert.Equal(25, cases.Count);
        AssertSameAsService(cases, expectEighths: 7);
    }

    [BracolFact]
    public void Other_samplings_odd_sizes_and_EXIF_turns_decode_as_the_service_decodes_them()
    {
        var leaf = File.ReadAllBytes(Path.Combine(SharedData.Bracol, "rust", "100.jpg"));
        using var full = SKBitmap.Decode(leaf);
        using var odd = new SKBitmap(509, 251);
        full.ExtractSubset(odd, new SKRectI(1, 2, 510, 253));
        using var phoneSized = full.Resize(new SKImageInfo(3584, 1792), new SKSamplingOptions(SKCubicResampler.Mitchell))!;
        var cases = new List<Case>
        {
            new("4:4:4", Encode(full, SKJpegEncoderDownsample.Downsample444), 448, 224),
            new("4:2:2", Encode(full, SKJpegEncoderDownsample.Downsample422), 448, 224),
            new("greyscale", EncodeGrey(full), 448, 224),
            new("4:2:0 509x251 (partial blocks)", Encode(odd, SKJpegEncoderDownsample.Downsample420), 400, 200),
            new("4:2:2 509x251 (partial blocks)", Encode(odd, SKJpegEncoderDownsample.Downsample422), 400, 200),
            new("4:2:0 at 4/8", leaf, 256, 128), // 4x4 luma and 8x8 chroma: floating-point IDCT here, reported not exact
            // A phone-sized photo: 1/8 (1x1 luma, exact; 2x2 chroma, floating-point), EXIF-turned as phones store portraits.
            new("3584x1792 4:2:0 at 1/8, EXIF 6", WithOrientation(Encode(phoneSized, SKJpegEncoderDownsample.Downsample420), 6), 224, 448),
        };
        for (ushort orientation = 2; orientation <= 8; orientation++)
            cases.Add(new($"EXIF orientation {orientation}", WithOrientation(leaf, orientation), orientation >= 5 ? 224 : 448, orientation >= 5 ? 448 : 224));
        AssertSameAsService(cases, expectEighths: null);
    }

    [BracolFact]
    public void Progressive_JPEGs_are_left_to_the_browsers_decoder()
    {
        var leaf = File.ReadAllBytes(Path.Combine(SharedData.Bracol, "rust", "100.jpg"));
        int sof = leaf.AsSpan().IndexOf(new byte[] { 0xFF, 0xC0 });
        Assert.True(sof > 0);
        var progressive = (byte[])leaf.Clone();
        progressive[sof + 1] = 0xC2; // the frame now says progressive: the reader must not guess
        var decoded = RunNode([new("progressive", progressive, 448, 224), new("target needs a full decode", leaf, 512, 256)]);
        Assert.All(decoded, d => Assert.Null(d));
    }

    private void AssertSameAsService(List<Case> cases, int? expectEighths)
    {
        var clock = Stopwatch.StartNew();
        var decoded = RunNode(cases);
        output.WriteLine($"{cases.Count} JPEGs decoded in Node in {clock.ElapsedMilliseconds} ms (process start included)");
        for (int i = 0; i < cases.Count; i++)
        {
            var c = cases[i];
            var phone = decoded[i] ?? throw new Xunit.Sdk.XunitException($"{c.Name}: the phone's decoder gave up");
            using var service = ImageDecoder.DecodeUpright(c.Bytes, c.Width, c.Height);
            Assert.Equal((service.Width, service.Height), (phone.Width, phone.Height));
            if (expectEighths is { } m) Assert.Equal(m, phone.Eighths);
            var expected = service.GetPixelSpan();
            int differ = 0, largest = 0;
            for (int p = 0; p < phone.Rgba.Length; p++)
            {
                int d = Math.Abs(phone.Rgba[p] - expected[p]);
                if (d > 0) differ++;
                largest = Math.Max(largest, d);
            }
            output.WriteLine($"{c.Name}: {phone.Width}x{phone.Height} at {phone.Eighths}/8, {(phone.Exact ? "exact kernels" : "float kernels")}: {differ} of {phone.Rgba.Length} bytes differ, largest {largest}");
            if (phone.Exact) Assert.True(differ == 0, $"{c.Name}: {differ} bytes differ from the service's decode (largest {largest})");
            else Assert.True(largest <= 3, $"{c.Name}: largest difference {largest}");
        }
    }

    private static List<Decoded?> RunNode(List<Case> cases)
    {
        using var temp = new TempFolder();
        var lines = new StringBuilder();
        for (int i = 0; i < cases.Count; i++)
        {
            var file = Path.Combine(temp.Path, $"{i}.jpg");
            File.WriteAllBytes(file, cases[i].Bytes);
            lines.Append(file).Append('\t').Append(cases[i].Width).Append('\t').Append(cases[i].Height).Append('\n');
        }
        var bytes = NodeScript.Run(Script, [Module], lines.ToString());
        var list = new List<Decoded?>();
        int pos = 0;
        foreach (var _ in cases)
        {
            int eol = Array.IndexOf(bytes, (byte)'\n', pos);
            var head = Encoding.ASCII.GetString(bytes, pos, eol - pos).Split(' ');
            pos = eol + 1;
            if (head[0] == "null") { list.Add(null); continue; }
            int w = int.Parse(head[0], System.Globalization.CultureInfo.InvariantCulture), h = int.Parse(head[1], System.Globalization.CultureInfo.InvariantCulture);
            list.Add(new Decoded(w, h, int.Parse(head[2], System.Globalization.CultureInfo.InvariantCulture), head[3] == "true", bytes[pos..(pos + w * h * 4)]));
            pos += w * h * 4;
        }
        return list;
    }

    private static byte[] Encode(SKBitmap bitmap, SKJpegEncoderDownsample downsample)
    {
        using var pixmap = bitmap.PeekPixels()!;
        using var data = pixmap.Encode(new SKJpegEncoderOptions(80, downsample, SKJpegEncoderAlphaOption.Ignore));
        return data!.ToArray();
    }

    private static byte[] EncodeGrey(SKBitmap bitmap)
    {
        using var grey = bitmap.Copy(SKColorType.Gray8);
        using var pixmap = grey.PeekPixels()!;
        using var data = pixmap.Encode(new SKJpegEncoderOptions(80, SKJpegEncoderDownsample.Downsample420, SKJpegEncoderAlphaOption.Ignore));
        return data!.ToArray();
    }

    /// <summary>The JPEG with an EXIF APP1 holding only the orientation tag (little-endian TIFF), as a phone writes it.</summary>
    private static byte[] WithOrientation(byte[] jpeg, ushort orientation)
    {
        byte[] tiff = [0x49, 0x49, 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, (byte)orientation, 0, 0, 0, 0, 0, 0, 0];
        var payload = "Exif\0\0"u8.ToArray().Concat(tiff).ToArray();
        int length = payload.Length + 2;
        return [0xFF, 0xD8, 0xFF, 0xE1, (byte)(length >> 8), (byte)length, .. payload, .. jpeg.AsSpan(2)];
    }
}
