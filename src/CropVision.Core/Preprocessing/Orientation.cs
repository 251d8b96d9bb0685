using SkiaSharp;

namespace CropVision.Core.Preprocessing;

/// <summary>Pixel remapping for EXIF orientation and for turning portrait photos. Exact index arithmetic, no resampling.</summary>
public static class Orientation
{
    /// <summary>Returns a new bitmap showing <paramref name="stored"/> the way the EXIF origin says it should be displayed.</summary>
    public static SKBitmap ApplyExif(SKBitmap stored, SKEncodedOrigin origin)
    {
        if (stored.ColorType != SKColorType.Rgba8888 && stored.ColorType != SKColorType.Bgra8888)
            throw new ArgumentException("A 4-byte-per-pixel bitmap is expected.", nameof(stored));
        bool swaps = SwapsAxes(origin);
        var dst = new SKBitmap(new SKImageInfo(swaps ? stored.Height : stored.Width, swaps ? stored.Width : stored.Height, stored.ColorType, stored.AlphaType));
        Remap(stored.GetPixelSpan(), stored.RowBytes, stored.Width, stored.Height, dst.GetPixelSpan(), dst.RowBytes, origin);
        return dst;
    }

    /// <summary>The pooled version of <see cref="ApplyExif(SKBitmap, SKEncodedOrigin)"/>: a new pooled image (the input stays the caller's).</summary>
    public static PooledImage ApplyExif(PooledImage stored, SKEncodedOrigin origin)
    {
        bool swaps = SwapsAxes(origin);
        var dst = PooledImage.Rent(swaps ? stored.Height : stored.Width, swaps ? stored.Width : stored.Height);
        Remap(stored.Pixels, stored.RowBytes, stored.Width, stored.Height, dst.Pixels, dst.RowBytes, origin);
        return dst;
    }

    /// <summary>Whether the displayed image has width and height swapped relative to the stored pixels.</summary>
    public static bool SwapsAxes(SKEncodedOrigin origin) =>
        origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;

    /// <summary>Turns the image a quarter clockwise.</summary>
    public static SKBitmap RotateClockwise(SKBitmap image) => ApplyExif(image, SKEncodedOrigin.RightTop);

    /// <summary>Turns the image a quarter clockwise (a new pooled image).</summary>
    public static PooledImage RotateClockwise(PooledImage image) => ApplyExif(image, SKEncodedOrigin.RightTop);

    /// <summary>Writes every displayed pixel from the stored pixel the origin maps it to (whole 4-byte pixels, no resampling).</summary>
    private static void Remap(ReadOnlySpan<byte> from, int fromStride, int w, int h, Span<byte> to, int toStride, SKEncodedOrigin origin)
    {
        bool swaps = SwapsAxes(origin);
        int outW = swaps ? h : w, outH = swaps ? w : h;
        for (int y = 0; y < outH; y++)
        {
            var row = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(to.Slice(y * toStride, outW * 4));
            for (int x = 0; x < outW; x++)
            {
                // For each displayed (x, y): which stored pixel it shows.
                var (sx, sy) = origin switch
                {
                    SKEncodedOrigin.TopRight => (w - 1 - x, y),
                    SKEncodedOrigin.BottomRight => (w - 1 - x, h - 1 - y),
                    SKEncodedOrigin.BottomLeft => (x, h - 1 - y),
                    SKEncodedOrigin.LeftTop => (y, x),
                    SKEncodedOrigin.RightTop => (y, h - 1 - x),
                    SKEncodedOrigin.RightBottom => (w - 1 - y, h - 1 - x),
                    SKEncodedOrigin.LeftBottom => (w - 1 - y, x),
                    _ => (x, y),
                };
                row[x] = System.Runtime.InteropServices.MemoryMarshal.Read<uint>(from.Slice(sy * fromStride + sx * 4, 4));
            }
        }
    }
}
