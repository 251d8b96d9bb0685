using CropVision.Core.Preprocessing;
using CropVision.Tests.Support;
using SkiaSharp;

namespace CropVision.Tests.Core;

/// <summary>The fast tensor fill (vectorised, pooled buffers) gives exactly what the plain per-pixel definition gives.</summary>
[Trait("Category", "Fast")]
public class PreprocessingBufferTests
{
    [Theory]
    [InlineData(224, false)]
    [InlineData(224, true)]
    [InlineData(13, false)] // not a multiple of 8: the vector loop's tail
    [InlineData(13, true)]
    public void Vectorised_views_equal_the_per_pixel_definition(int tile, bool closeUp)
    {
        var spec = new PreprocessingSpec { ResizeWidth = 2 * tile, ResizeHeight = tile, TileSize = tile, Flips = [Flip.None, Flip.Horizontal, Flip.Vertical, Flip.Both] };
        int w = closeUp ? tile : spec.ResizeWidth, h = tile;
        using var bmp = TestImages.Paint(w, h, (x, y) => new SKColor((byte)(x * 7 + y), (byte)(y * 5 + 3), (byte)(x ^ y), 255));
        var fast = new float[spec.FloatsPerImage];
        ImagePreprocessor.WriteViews(bmp, spec, fast, closeUp ? Framing.CloseUp : Framing.Wide);

        int view = 0, plane = tile * tile;
        foreach (var flip in spec.Flips)
            for (int t = 0; t < spec.TileCount; t++, view++)
            {
                bool flipX = (flip is Flip.Horizontal or Flip.Both) ^ (closeUp && t % 2 == 1), flipY = flip is Flip.Vertical or Flip.Both;
                for (int y = 0; y < tile; y++)
                    for (int x = 0; x < tile; x++)
                    {
                        var c = bmp.GetPixel((closeUp ? 0 : t * tile) + (flipX ? tile - 1 - x : x), flipY ? tile - 1 - y : y);
                        int at = view * spec.FloatsPerView + y * tile + x;
                        Assert.Equal((c.Red, c.Green, c.Blue), (fast[at], fast[at + plane], fast[at + 2 * plane]));
                    }
            }
    }

    [Fact]
    public void Pooled_buffers_carry_nothing_from_one_photo_to_the_next()
    {
        var spec = new PreprocessingSpec { CloseUpBelowAspect = 1.5 };
        var wide = TestImages.Encode(TestImages.Paint(896, 448, (x, y) => TestImages.Quadrants(x, y, 896, 448)), SKEncodedImageFormat.Png);
        var square = TestImages.Encode(TestImages.Paint(300, 300, (x, y) => new SKColor((byte)x, (byte)y, 40, 255)), SKEncodedImageFormat.Jpeg, 90);
        var first = ImagePreprocessor.Preprocess(square, spec);
        var buffer = new float[spec.FloatsPerImage];
        for (int i = 0; i < 3; i++)
        {
            ImagePreprocessor.Preprocess(wide, spec, buffer.AsSpan());
            ImagePreprocessor.Preprocess(square, spec, buffer.AsSpan());
            Assert.Equal(first, buffer);
        }
        using var bitmap = ImagePreprocessor.DecodeAndResize(square, spec, out var framing);
        var fromBitmap = new float[spec.FloatsPerImage];
        ImagePreprocessor.WriteViews(bitmap, spec, fromBitmap, framing);
        Assert.Equal(first, fromBitmap);
    }
}
