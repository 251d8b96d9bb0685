using SkiaSharp;

namespace CropVision.Core.Preprocessing;

/// <summary>Pixel remapping for EXIF orientation and for turning portrait photos. Exact index arithmetic, no resampling.</summary>
public static class Orientation
{
    /// <summary>Returns a new bitmap showing <paramref name="stored"/> the way the EXIF origin says it should be displayed.</summary>
    public static SKBitmap ApplyExif(SKBitmap stored, SKEncodedOrigin origin)
    {
        int w = stored.Width, h = stored.Height;
        bool swaps = SwapsAxes(origin);
        int outW = swaps ? h : w, outH = swaps ? w : h;
        // For each displayed (x, y): which stored pixel it shows.
        Func<int, int, (int, int)> source = origin switch
        {
            SKEncodedOrigin.TopRight => (x, y) => (w - 1 - x, y),
            SKEncodedOrigin.BottomRight => (x, y) => (w - 1 - x, h - 1 - y),
            SKEncodedOrigin.BottomLeft => (x, y) => (x, h - 1 - y),
            SKEncodedOrigin.LeftTop => (x, y) => (y, x),
            SKEncodedOrigin.RightTop => (x, y) => (y, h - 1 - x),
            SKEncodedOrigin.RightBottom => (x, y) => (w - 1 - y, h - 1 - x),
            SKEncodedOrigin.LeftBottom => (x, y) => (w - 1 - y, x),
            _ => (x, y) => (x, y),
        };
        return Remap(stored, outW, outH, source);
    }

    /// <summary>Whether the displayed image has width and height swapped relative to the stored pixels.</summary>
    public static bool SwapsAxes(SKEncodedOrigin origin) =>
        origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;

    /// <summary>Turns the image a quarter clockwise.</summary>
    public static SKBitmap RotateClockwise(SKBitmap image) => ApplyExif(image, SKEncodedOrigin.RightTop);

    private static SKBitmap Remap(SKBitmap src, int outW, int outH, Func<int, int, (int X, int Y)> source)
    {
        var dst = new SKBitmap(new SKImageInfo(outW, outH, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var from = src.GetPixelSpan();
        var to = dst.GetPixelSpan();
        int srcStride = src.RowBytes, dstStride = dst.RowBytes;
        for (int y = 0; y < outH; y++)
            for (int x = 0; x < outW; x++)
            {
                var (sx, sy) = source(x, y);
                from.Slice(sy * srcStride + sx * 4, 4).CopyTo(to.Slice(y * dstStride + x * 4, 4));
            }
        return dst;
    }
}
