using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using SkiaSharp;

namespace CropVision.Core.Preprocessing;

/// <summary>
/// The one path from image bytes to model input, used by training, evaluation, export checks and the service alike.
/// </summary>
public static class ImagePreprocessor
{
    // Mitchell cubic: a good downscaler that Skia computes the same way on every machine.
    private static readonly SKSamplingOptions Sampling = new(SKCubicResampler.Mitchell);

    /// <summary>Bytes to a tensor of <see cref="PreprocessingSpec.FloatsPerImage"/> floats ([flips, tiles, 3, S, S], RGB, 0..255).</summary>
    public static float[] Preprocess(ReadOnlySpan<byte> imageBytes, PreprocessingSpec spec, long maxPixels = ImageDecoder.DefaultMaxPixels) =>
        Preprocess(imageBytes, spec, out _, maxPixels);

    /// <summary>As above, also saying how the photo was framed (which views it got).</summary>
    public static float[] Preprocess(ReadOnlySpan<byte> imageBytes, PreprocessingSpec spec, out Framing framing, long maxPixels = ImageDecoder.DefaultMaxPixels)
    {
        var tensor = new float[spec.FloatsPerImage];
        framing = Preprocess(imageBytes, spec, tensor, maxPixels);
        return tensor;
    }

    public static Framing Preprocess(ReadOnlySpan<byte> imageBytes, PreprocessingSpec spec, Span<float> destination, long maxPixels = ImageDecoder.DefaultMaxPixels)
    {
        using var resized = DecodeAndResizePooled(imageBytes, spec, out var framing, maxPixels);
        WriteViews(resized.Pixels, resized.RowBytes, resized.Width, resized.Height, spec, destination, framing);
        return framing;
    }

    /// <summary>
    /// The framing the spec gives this photo: from its header where the shape decides (Wide where the header gives no
    /// size); a near-square photo under <see cref="PreprocessingSpec.FramingByContent"/> is decoded to see what it shows.
    /// </summary>
    public static Framing FramingOf(ReadOnlySpan<byte> bytes, PreprocessingSpec spec, long maxPixels = ImageDecoder.DefaultMaxPixels)
    {
        var fromShape = ImageHeader.TryReadSize(bytes, ImageFormatSniffer.Sniff(bytes)) is var (w, h) ? spec.FramingOf(w, h) : Framing.Wide;
        if (fromShape == Framing.Wide || !spec.FramingByContent) return fromShape;
        var decoded = Decode(bytes, spec, maxPixels); // the judgement only: no resize
        decoded.Image.Dispose();
        return decoded.Framing;
    }

    /// <summary>Decoded, upright, turned landscape if the spec asks, and resized to the spec's size.</summary>
    public static SKBitmap DecodeAndResize(ReadOnlySpan<byte> imageBytes, PreprocessingSpec spec, long maxPixels = ImageDecoder.DefaultMaxPixels) =>
        DecodeAndResize(imageBytes, spec, out _, maxPixels);

    /// <summary>
    /// Decoded, upright, and sized for its framing: a wide photo turned landscape if the spec asks and resized to the
    /// spec's size; a close-up cut to its centred square and resized to one tile.
    /// </summary>
    public static SKBitmap DecodeAndResize(ReadOnlySpan<byte> imageBytes, PreprocessingSpec spec, out Framing framing, long maxPixels = ImageDecoder.DefaultMaxPixels)
    {
        using var resized = DecodeAndResizePooled(imageBytes, spec, out framing, maxPixels);
        return resized.ToBitmap();
    }

    /// <summary>As <see cref="DecodeAndResize(ReadOnlySpan{byte}, PreprocessingSpec, out Framing, long)"/>, in pooled buffers (the path every tensor takes).</summary>
    public static PooledImage DecodeAndResizePooled(ReadOnlySpan<byte> imageBytes, PreprocessingSpec spec, out Framing framing, long maxPixels = ImageDecoder.DefaultMaxPixels)
    {
        var (image, chosen, turn, leaf) = Decode(imageBytes, spec, maxPixels);
        framing = chosen;
        using (image)
        {
            if (chosen == Framing.CloseUp)
            {
                // The largest centred square, read in place (the resampler sees exactly those pixels, edges clamped to it).
                int side = Math.Min(image.Width, image.Height);
                return Resize(image, (image.Width - side) / 2, (image.Height - side) / 2, side, side, spec.TileSize, spec.TileSize);
            }
            using var turned = turn ? Orientation.RotateClockwise(image) : null;
            var source = turned ?? image;
            if (leaf is not { } l) return Resize(source, 0, 0, source.Width, source.Height, spec.ResizeWidth, spec.ResizeHeight);
            // A whole leaf in a near-square photo: the leaf's box (turned with the photo), grown to the spec's shape, so a
            // 4:3 photo of a leaf on paper gets the framing of a 2:1 one.
            var (x, y, w, h) = turn ? (image.Height - l.Y - l.Height, l.X, l.Height, l.Width) : (l.X, l.Y, l.Width, l.Height);
            var box = PlainBackground.Widen(x, y, w, h, source.Width, source.Height, spec.ResizeWidth, spec.ResizeHeight);
            return Resize(source, box.X, box.Y, box.Width, box.Height, spec.ResizeWidth, spec.ResizeHeight);
        }
    }

    /// <summary>
    /// The decoded upright image and what the spec makes of it: its framing, whether a wide view turns it landscape, and
    /// (a near-square photo judged a whole leaf by content) the leaf's box in the upright image.
    /// </summary>
    private readonly record struct Decoded(PooledImage Image, Framing Framing, bool Turn, PlainBackground.Finding? Leaf);

    private static Decoded Decode(ReadOnlySpan<byte> imageBytes, PreprocessingSpec spec, long maxPixels)
    {
        bool turn = false, byContent = false;
        var chosen = Framing.Wide;
        // Ask the decoder for enough pixels for the target in the image's own (upright) orientation. A near-square photo
        // framed by content is decoded as for a wide one (enough for either framing) and judged from its pixels.
        var image = ImageDecoder.DecodeUprightPooled(imageBytes, (w, h) =>
        {
            chosen = spec.FramingOf(w, h);
            byContent = chosen == Framing.CloseUp && spec.FramingByContent;
            if (chosen == Framing.CloseUp && !byContent) return (spec.TileSize, spec.TileSize);
            turn = spec.LongSideHorizontal && h > w && spec.ResizeWidth > spec.ResizeHeight;
            return turn ? (spec.ResizeHeight, spec.ResizeWidth) : (spec.ResizeWidth, spec.ResizeHeight);
        }, maxPixels);
        if (!byContent) return new Decoded(image, chosen, turn, null);
        var leaf = PlainBackground.Measure(image.Pixels, image.RowBytes, image.Width, image.Height);
        return leaf.WholeLeaf ? new Decoded(image, Framing.Wide, turn, leaf) : new Decoded(image, Framing.CloseUp, false, null);
    }

    /// <summary>The region (x0, y0, w, h) of <paramref name="image"/> resampled to a new pooled image of width x height (copied where the size already matches).</summary>
    private static unsafe PooledImage Resize(PooledImage image, int x0, int y0, int w, int h, int width, int height)
    {
        var result = PooledImage.Rent(width, height);
        try
        {
            if (w == width && h == height)
            {
                for (int y = 0; y < h; y++)
                    image.Pixels.Slice((y0 + y) * image.RowBytes + x0 * 4, w * 4).CopyTo(result.Pixels.Slice(y * result.RowBytes));
                return result;
            }
            using (var from = image.Pin())
            using (var to = result.Pin())
            {
                var region = new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul);
                using var source = new SKPixmap(region, (IntPtr)((byte*)from.Pointer + y0 * image.RowBytes + x0 * 4), image.RowBytes);
                using var target = new SKPixmap(result.Info, (IntPtr)to.Pointer, result.RowBytes);
                if (!source.ScalePixels(target, Sampling)) throw new ImageDecodeException(ImageProblem.Corrupt, "The image could not be resized.");
            }
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes every (flip, tile) view as planar RGB floats. Wide: the tiles cut left to right from the resized image.
    /// Close-up: the one square, mirrored left-right in every odd "tile", so both framings fill the same layout.
    /// </summary>
    public static void WriteViews(SKBitmap resized, PreprocessingSpec spec, Span<float> destination, Framing framing = Framing.Wide)
    {
        if (resized.ColorType != SKColorType.Rgba8888) throw new ArgumentException("Bitmap does not match the preprocessing spec.", nameof(resized));
        WriteViews(resized.GetPixelSpan(), resized.RowBytes, resized.Width, resized.Height, spec, destination, framing);
    }

    /// <summary>As above, from RGBA pixels (<paramref name="rowBytes"/> apart) of the given size.</summary>
    public static void WriteViews(ReadOnlySpan<byte> pixels, int rowBytes, int width, int height, PreprocessingSpec spec, Span<float> destination, Framing framing = Framing.Wide)
    {
        bool closeUp = framing == Framing.CloseUp;
        int expectW = closeUp ? spec.TileSize : spec.ResizeWidth, expectH = closeUp ? spec.TileSize : spec.ResizeHeight;
        if (width != expectW || height != expectH || rowBytes < width * 4 || pixels.Length < (height - 1) * rowBytes + width * 4)
            throw new ArgumentException("Bitmap does not match the preprocessing spec.", nameof(pixels));
        if (destination.Length < spec.FloatsPerImage) throw new ArgumentException("Destination too small.", nameof(destination));
        int s = spec.TileSize, plane = s * s;
        int view = 0;
        foreach (var flip in spec.Flips)
        {
            bool flipY = flip is Flip.Vertical or Flip.Both;
            for (int ty = 0; ty < spec.TilesDown; ty++)
                for (int tx = 0; tx < spec.TilesAcross; tx++, view++)
                {
                    bool flipX = (flip is Flip.Horizontal or Flip.Both) ^ (closeUp && view % spec.TileCount % 2 == 1);
                    int sourceX = closeUp ? 0 : tx * s, sourceY = closeUp ? 0 : ty * s;
                    var dst = destination.Slice(view * spec.FloatsPerView, spec.FloatsPerView);
                    for (int y = 0; y < s; y++)
                    {
                        int sy = sourceY + (flipY ? s - 1 - y : y);
                        var row = MemoryMarshal.Cast<byte, uint>(pixels.Slice(sy * rowBytes + sourceX * 4, s * 4));
                        PlanarRow(row, dst.Slice(y * s, s), dst.Slice(plane + y * s, s), dst.Slice(2 * plane + y * s, s), flipX);
                    }
                }
        }
    }

    /// <summary>
    /// One row of RGBA pixels (read as uints: R in the low byte on the little-endian CPUs .NET runs on) to three planes of floats, mirrored if
    /// asked; eight pixels at a time where the CPU has 256-bit vectors.
    /// </summary>
    private static void PlanarRow(ReadOnlySpan<uint> rgba, Span<float> r, Span<float> g, Span<float> b, bool mirror)
    {
        int n = rgba.Length, x = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var low = Vector256.Create(0xFFu);
            var reverse = Vector256.Create(7u, 6, 5, 4, 3, 2, 1, 0);
            for (; x + 8 <= n; x += 8)
            {
                var v = mirror ? Vector256.Shuffle(Vector256.Create(rgba.Slice(n - 8 - x, 8)), reverse) : Vector256.Create(rgba.Slice(x, 8));
                Vector256.ConvertToSingle((v & low).AsInt32()).CopyTo(r.Slice(x));
                Vector256.ConvertToSingle(((v >> 8) & low).AsInt32()).CopyTo(g.Slice(x));
                Vector256.ConvertToSingle(((v >> 16) & low).AsInt32()).CopyTo(b.Slice(x));
            }
        }
        for (; x < n; x++)
        {
            uint p = rgba[mirror ? n - 1 - x : x];
            r[x] = p & 0xFF;
            g[x] = (p >> 8) & 0xFF;
            b[x] = (p >> 16) & 0xFF;
        }
    }
}
