using CropVision.Core.Preprocessing;
using CropVision.Tests.Support;
using SkiaSharp;

namespace CropVision.Tests.Core;

[Trait("Category", "Fast")]
public class PreprocessingTests
{
    private static readonly PreprocessingSpec OneView = new() { Flips = [Flip.None] };

    /// <summary>Mean of one channel of one view.</summary>
    private static double ChannelMean(float[] t, PreprocessingSpec spec, int view, int channel)
    {
        int plane = spec.TileSize * spec.TileSize;
        return t.AsSpan(view * spec.FloatsPerView + channel * plane, plane).ToArray().Average();
    }

    [Theory]
    [InlineData(SKEncodedImageFormat.Jpeg, ImageFormat.Jpeg)]
    [InlineData(SKEncodedImageFormat.Png, ImageFormat.Png)]
    [InlineData(SKEncodedImageFormat.Webp, ImageFormat.WebP)]
    public void Sniffs_and_decodes_every_supported_format(SKEncodedImageFormat encode, ImageFormat expected)
    {
        using var bmp = TestImages.Paint(448, 224, (x, y) => TestImages.Quadrants(x, y, 448, 224));
        var bytes = TestImages.Encode(bmp, encode);
        Assert.Equal(expected, ImageFormatSniffer.Sniff(bytes));
        var t = ImagePreprocessor.Preprocess(bytes, OneView);
        // Tile 0 is the left half: mostly red below the green band; tile 1 mostly blue.
        Assert.True(ChannelMean(t, OneView, 0, 0) > 120, "left tile should be red");
        Assert.True(ChannelMean(t, OneView, 1, 2) > 120, "right tile should be blue");
        Assert.True(ChannelMean(t, OneView, 0, 2) < 20, "left tile should hold no blue");
    }

    [Fact]
    public void Two_to_one_leaf_becomes_two_tiles_and_flips_mirror_each_tile()
    {
        using var bmp = TestImages.Paint(448, 224, (x, y) => new SKColor((byte)(x % 224), (byte)y, (byte)(x / 224 * 100)));
        var png = TestImages.Encode(bmp, SKEncodedImageFormat.Png);
        var spec = new PreprocessingSpec { Flips = [Flip.None, Flip.Horizontal, Flip.Vertical, Flip.Both] };
        var t = ImagePreprocessor.Preprocess(png, spec);
        Assert.Equal(8 * 3 * 224 * 224, t.Length);
        int plane = 224 * 224, view = spec.FloatsPerView;
        float At(int v, int c, int x, int y) => t[v * view + c * plane + y * 224 + x];
        // Exact: a 448x224 PNG needs no resampling.
        Assert.Equal(10, At(0, 0, 10, 5));        // R = x within the tile
        Assert.Equal(5, At(0, 1, 10, 5));         // G = y
        Assert.Equal(0, At(0, 2, 10, 5));         // B = 0 in the left tile
        Assert.Equal(100, At(1, 2, 10, 5));       // B = 100 in the right tile
        Assert.Equal(223 - 10, At(2, 0, 10, 5));  // horizontal flip of tile 0
        Assert.Equal(223 - 5, At(4, 1, 10, 5));   // vertical flip of tile 0
        Assert.Equal(223 - 10, At(7, 0, 10, 5));  // both flips of tile 1
        Assert.Equal(223 - 5, At(7, 1, 10, 5));
        Assert.Equal(100, At(7, 2, 10, 5));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(6)]
    [InlineData(8)]
    [InlineData(2)]
    public void Exif_orientation_is_applied_so_a_sideways_photo_gives_the_upright_tensor(int orientation)
    {
        const int w = 448, h = 224;
        using var upright = TestImages.Paint(w, h, (x, y) => TestImages.Quadrants(x, y, w, h));
        // Store the pixels the way a camera would before tagging them with this orientation (the inverse transform).
        var inverse = orientation switch { 6 => SKEncodedOrigin.LeftBottom, 8 => SKEncodedOrigin.RightTop, _ => (SKEncodedOrigin)orientation };
        using var stored = Orientation.ApplyExif(upright, inverse);
        var tagged = TestImages.WithExifOrientation(TestImages.Encode(stored, SKEncodedImageFormat.Jpeg, 100), (ushort)orientation);

        var expected = ImagePreprocessor.Preprocess(TestImages.Encode(upright, SKEncodedImageFormat.Jpeg, 100), OneView);
        var actual = ImagePreprocessor.Preprocess(tagged, OneView);
        double meanAbs = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Average();
        Assert.True(meanAbs < 3, $"mean absolute difference {meanAbs:F2} (JPEG noise only expected)");
    }

    [Fact]
    public void Portrait_photo_is_turned_so_the_leaf_lies_along_the_tiles()
    {
        using var portrait = TestImages.Paint(224, 448, (x, y) => y < 224 ? new SKColor(220, 0, 0) : new SKColor(0, 0, 220));
        var t = ImagePreprocessor.Preprocess(TestImages.Encode(portrait, SKEncodedImageFormat.Png), OneView);
        // Turned clockwise: the bottom (blue) half comes to the left.
        Assert.True(ChannelMean(t, OneView, 0, 2) > 200);
        Assert.True(ChannelMean(t, OneView, 1, 0) > 200);
    }

    [Fact]
    public void Large_jpeg_is_decoded_at_reduced_scale_and_matches_a_full_decode()
    {
        using var big = TestImages.Paint(4000, 3000, (x, y) => new SKColor((byte)(x / 16), (byte)(y / 12), 90));
        var jpeg = TestImages.Encode(big, SKEncodedImageFormat.Jpeg, 90);
        using var scaled = ImageDecoder.DecodeUpright(jpeg, 448, 224);
        Assert.Equal((500, 375), (scaled.Width, scaled.Height)); // 1/8 scale in the DCT domain, still above 448x224

        var fast = ImagePreprocessor.Preprocess(jpeg, OneView);
        using var full = SKBitmap.Decode(jpeg);
        using var resized = full.Resize(new SKImageInfo(448, 224, SKColorType.Rgba8888, SKAlphaType.Unpremul), new SKSamplingOptions(SKCubicResampler.Mitchell));
        var reference = new float[OneView.FloatsPerImage];
        ImagePreprocessor.WriteViews(resized, OneView, reference);
        double meanAbs = fast.Zip(reference, (a, b) => Math.Abs(a - b)).Average();
        Assert.True(meanAbs < 2, $"scaled decode differs from full decode by {meanAbs:F2} on average");
    }

    [Fact]
    public void Empty_and_unknown_bytes_are_refused_with_their_reason()
    {
        Assert.Equal(ImageProblem.Empty, Assert.Throws<ImageDecodeException>(() => ImagePreprocessor.Preprocess([], OneView)).Problem);
        Assert.Equal(ImageProblem.UnsupportedFormat, Assert.Throws<ImageDecodeException>(() => ImagePreprocessor.Preprocess("hello, not an image"u8.ToArray(), OneView)).Problem);
        using var bmp = TestImages.Paint(64, 32, (_, _) => SKColors.Green);
        var gif = TestImages.Encode(bmp, SKEncodedImageFormat.Png);
        gif[0] = (byte)'G'; gif[1] = (byte)'I'; gif[2] = (byte)'F';
        Assert.Equal(ImageProblem.UnsupportedFormat, Assert.Throws<ImageDecodeException>(() => ImagePreprocessor.Preprocess(gif, OneView)).Problem);
    }

    [Fact]
    public void Truncated_jpeg_is_refused_as_corrupt()
    {
        using var bmp = TestImages.Paint(448, 224, (x, y) => new SKColor((byte)x, (byte)y, 50));
        var jpeg = TestImages.Encode(bmp, SKEncodedImageFormat.Jpeg, 90);
        var cut = jpeg.AsSpan(0, jpeg.Length / 2).ToArray();
        Assert.Equal(ImageProblem.Corrupt, Assert.Throws<ImageDecodeException>(() => ImagePreprocessor.Preprocess(cut, OneView)).Problem);
    }

    [Fact]
    public void Oversized_image_is_refused_from_its_header_before_decoding()
    {
        var bomb = TestImages.PngHeaderOnly(20000, 20000);
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var e = Assert.Throws<ImageDecodeException>(() => ImagePreprocessor.Preprocess(bomb, OneView));
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.Equal(ImageProblem.TooManyPixels, e.Problem);
        Assert.Contains("20000x20000", e.Message);
        Assert.True(allocated < 50_000_000, $"allocated {allocated:N0} bytes");
    }

    [Theory]
    [InlineData(SKEncodedImageFormat.Jpeg)]
    [InlineData(SKEncodedImageFormat.Png)]
    [InlineData(SKEncodedImageFormat.Webp)]
    public void Header_size_is_read_without_a_decoder(SKEncodedImageFormat encode)
    {
        using var bmp = TestImages.Paint(301, 157, (x, y) => new SKColor((byte)x, (byte)y, 9));
        var bytes = TestImages.Encode(bmp, encode, 80);
        Assert.Equal((301, 157), ImageHeader.TryReadSize(bytes, ImageFormatSniffer.Sniff(bytes)));
    }
}
