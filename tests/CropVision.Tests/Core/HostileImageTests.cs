using System.Buffers.Binary;
using CropVision.Core.Preprocessing;
using CropVision.Tests.Support;
using SkiaSharp;

namespace CropVision.Tests.Core;

/// <summary>
/// The kinds of image the decode fuzzer (`cropvision-bench fuzz`) feeds the preprocessing path, pinned as plain tests:
/// the unusual encodings it starts from decode to the right picture, and hostile headers and metadata are refused or
/// ignored, never a crash; and every input the fuzzer found (tests/CropVision.Tests/fuzz-regressions) stays fixed.
/// </summary>
[Trait("Category", "Fast")]
public class HostileImageTests
{
    private static readonly PreprocessingSpec Served = new() { CloseUpBelowAspect = 1.5 };
    private static readonly string Seeds = Path.Combine(SharedData.RepositoryRoot, "bench", "CropVision.Bench", "Fuzz", "seeds");

    private static float[] Tensor(string seed) => ImagePreprocessor.Preprocess(File.ReadAllBytes(Path.Combine(Seeds, seed)), Served);
    private static double MeanAbs(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Average();

    [Theory]
    [InlineData("progressive.jpg", 2)]
    [InlineData("optimised-scans.jpg", 2)]
    [InlineData("animated.webp", 5)] // the first frame (the leaf as it is)
    [InlineData("alpha.webp", 5)]
    [InlineData("lossless.webp", 4)]
    [InlineData("rgb16.png", 4)] // 16 bits per channel
    [InlineData("interlaced.png", 4)]
    [InlineData("palette.png", 4)]
    // libvips converted to CMYK through an ICC profile and Skia converts back without one: the colours shift a little,
    // an inverted or garbled CMYK decode would be off by ~100.
    [InlineData("cmyk.jpg", 16)]
    [InlineData("cmyk-progressive.jpg", 16)]
    public void Unusual_encodings_of_one_leaf_give_that_leaf(string seed, double tolerance)
    {
        var reference = Tensor("444.jpg");
        var tensor = Tensor(seed);
        Assert.True(MeanAbs(reference, tensor) < tolerance, $"{seed}: mean absolute difference {MeanAbs(reference, tensor):F2} from the 4:4:4 JPEG of the same leaf");
    }

    [Theory]
    [InlineData("grey.jpg")]
    [InlineData("grey-alpha.png")]
    public void Grey_images_fill_three_equal_channels(string seed)
    {
        var t = Tensor(seed);
        int plane = Served.TileSize * Served.TileSize;
        for (int view = 0; view < Served.ViewCount; view++)
        {
            var r = t.AsSpan(view * Served.FloatsPerView, plane);
            Assert.True(r.SequenceEqual(t.AsSpan(view * Served.FloatsPerView + plane, plane)) && r.SequenceEqual(t.AsSpan(view * Served.FloatsPerView + 2 * plane, plane)));
        }
        Assert.InRange(t.Average(), 60, 200);
    }

    [Theory]
    [InlineData(7071, ImageProblem.Corrupt)] // just under 50 M pixels: accepted by the header check, then the data runs out
    [InlineData(7072, ImageProblem.TooManyPixels)]
    [InlineData(65535, ImageProblem.TooManyPixels)]
    public void A_tiny_png_claiming_a_huge_size_is_refused(int side, ImageProblem expected)
    {
        var png = TestImages.Encode(TestImages.Paint(32, 16, (x, y) => new SKColor(30, 120, 40)), SKEncodedImageFormat.Png);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(16), side);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(20), side);
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(29), Crc32(png.AsSpan(12, 17))); // a valid CRC, so the decoder believes it
        var e = Assert.Throws<ImageDecodeException>(() => ImagePreprocessor.Preprocess(png, Served));
        Assert.Equal(expected, e.Problem);
    }

    [Fact]
    public void Four_megabytes_of_lying_exif_before_the_picture_change_nothing()
    {
        var jpeg = File.ReadAllBytes(Path.Combine(Seeds, "progressive.jpg"));
        // 64 APP1 EXIF segments of 64 KB whose first IFD claims 65535 entries and whose next-IFD offset loops back to itself.
        var exif = new byte[65533];
        byte[] head = [(byte)'E', (byte)'x', (byte)'i', (byte)'f', 0, 0, (byte)'M', (byte)'M', 0, 0x2A, 0, 0, 0, 8, 0xFF, 0xFF];
        head.CopyTo(exif, 0);
        BinaryPrimitives.WriteUInt32BigEndian(exif.AsSpan(6 + 10 + 12), 8);
        var segment = new byte[] { 0xFF, 0xE1, 0xFF, 0xFF }.Concat(exif).ToArray();
        var bloated = jpeg.Take(2).Concat(Enumerable.Repeat(segment, 64).SelectMany(s => s)).Concat(jpeg.Skip(2)).ToArray();
        Assert.True(bloated.Length > 4_000_000);
        Assert.Equal(Tensor("progressive.jpg"), ImagePreprocessor.Preprocess(bloated, Served));
    }

    private static readonly string Regressions = Path.Combine(SharedData.RepositoryRoot, "tests", "CropVision.Tests", "fuzz-regressions");

    public static TheoryData<string> FuzzFindings() => [.. Directory.GetFiles(Regressions).Where(f => !f.EndsWith(".md")).Select(f => Path.GetFileName(f)).Order()];

    [Theory]
    [MemberData(nameof(FuzzFindings))]
    public void Every_fuzz_finding_gives_a_tensor_or_a_decode_error(string file)
    {
        var bytes = File.ReadAllBytes(Path.Combine(Regressions, file));
        try { ImagePreprocessor.Preprocess(bytes, Served); }
        catch (ImageDecodeException) { }
    }

    [Fact]
    public void A_progressive_jpeg_too_short_for_its_claimed_size_is_refused_before_decoding()
    {
        // Fuzz case 53,432: 119 KB claiming 7071x6641 (4 components) hung the child; it needs at least 367,302 bytes.
        var bytes = File.ReadAllBytes(Path.Combine(Regressions, "seed1-case53432.jpg"));
        Assert.Equal(367_302, ImageHeader.JpegMinimumBytes(bytes));
        var e = Assert.Throws<ImageDecodeException>(() => ImageDecoder.CheckHeader(bytes));
        Assert.Equal(ImageProblem.Corrupt, e.Problem);
        Assert.Contains("7071x6641", e.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    public void The_most_compressible_jpegs_still_pass_the_least_size_check(int quality)
    {
        // One flat colour at the lowest qualities: every block codes nothing but "no change" and "end of block",
        // still more than the one bit per block the check asks for.
        using var flat = TestImages.Paint(1600, 1200, (x, y) => new SKColor(40, 130, 40));
        var jpeg = TestImages.Encode(flat, SKEncodedImageFormat.Jpeg, quality);
        Assert.True(jpeg.Length > ImageHeader.JpegMinimumBytes(jpeg)!, $"{jpeg.Length} bytes vs least {ImageHeader.JpegMinimumBytes(jpeg)}");
        ImagePreprocessor.Preprocess(jpeg, Served);
    }

    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        uint c = 0xFFFFFFFF;
        foreach (var b in bytes)
        {
            c ^= b;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
        }
        return c ^ 0xFFFFFFFF;
    }
}
