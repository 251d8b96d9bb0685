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
        using var resized = DecodeAndResize(imageBytes, spec, out var framing, maxPixels);
        WriteViews(resized, spec, destination, framing);
        return framing;
    }

    /// <summary>The framing the spec gives this photo, from its header alone (Wide where the header gives no size).</summary>
    public static Framing FramingFromHeader(ReadOnlySpan<byte> bytes, PreprocessingSpec spec) =>
        ImageHeader.TryReadSize(bytes, ImageFormatSniffer.Sniff(bytes)) is var (w, h) ? spec.FramingOf(w, h) : Framing.Wide;

    /// <summary>Decoded, upright, turned landscape if the spec asks, and resized to the spec's size.</summary>
    public static SKBitmap DecodeAndResize(ReadOnlySpan<byte> imageBytes, PreprocessingSpec spec, long maxPixels = ImageDecoder.DefaultMaxPixels) =>
        DecodeAndResize(imageBytes, spec, out _, maxPixels);

    /// <summary>
    /// Decoded, upright, and sized for its framing: a wide photo turned landscape if the spec asks and resized to the
    /// spec's size; a close-up cut to its centred square and resized to one tile.
    /// </summary>
    public static SKBitmap DecodeAndResize(ReadOnlySpan<byte> imageBytes, PreprocessingSpec spec, out Framing framing, long maxPixels = ImageDecoder.DefaultMaxPixels)
    {
        bool turn = false;
        var chosen = Framing.Wide;
        // Ask the decoder for enough pixels for the target in the image's own (upright) orientation.
        SKBitmap image = ImageDecoder.DecodeUpright(imageBytes, (w, h) =>
        {
            chosen = spec.FramingOf(w, h);
            if (chosen == Framing.CloseUp) return (spec.TileSize, spec.TileSize);
            turn = spec.LongSideHorizontal && h > w && spec.ResizeWidth > spec.ResizeHeight;
            return turn ? (spec.ResizeHeight, spec.ResizeWidth) : (spec.ResizeWidth, spec.ResizeHeight);
        }, maxPixels);
        framing = chosen;
        if (chosen == Framing.CloseUp) return CentredSquare(image, spec.TileSize);
        if (turn)
        {
            var turned = Orientation.RotateClockwise(image);
            image.Dispose();
            image = turned;
        }
        return ResizeOwned(image, spec.ResizeWidth, spec.ResizeHeight);
    }

    /// <summary>The largest centred square of <paramref name="image"/> (which it disposes), resized to <paramref name="size"/>.</summary>
    private static SKBitmap CentredSquare(SKBitmap image, int size)
    {
        int side = Math.Min(image.Width, image.Height);
        if (side == image.Width && side == image.Height) return ResizeOwned(image, size, size);
        var square = new SKBitmap(new SKImageInfo(side, side, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        try
        {
            int x0 = (image.Width - side) / 2, y0 = (image.Height - side) / 2;
            var from = image.GetPixelSpan();
            var to = square.GetPixelSpan();
            for (int y = 0; y < side; y++)
                from.Slice((y0 + y) * image.RowBytes + x0 * 4, side * 4).CopyTo(to.Slice(y * square.RowBytes, side * 4));
        }
        catch
        {
            square.Dispose();
            throw;
        }
        finally { image.Dispose(); }
        return ResizeOwned(square, size, size);
    }

    /// <summary>Resizes (disposing the input unless it already has the size).</summary>
    private static SKBitmap ResizeOwned(SKBitmap image, int width, int height)
    {
        if (image.Width == width && image.Height == height) return image;
        try
        {
            var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
            return image.Resize(info, Sampling) ?? throw new ImageDecodeException(ImageProblem.Corrupt, "The image could not be resized.");
        }
        finally { image.Dispose(); }
    }

    /// <summary>
    /// Writes every (flip, tile) view as planar RGB floats. Wide: the tiles cut left to right from the resized image.
    /// Close-up: the one square, mirrored left-right in every odd "tile", so both framings fill the same layout.
    /// </summary>
    public static void WriteViews(SKBitmap resized, PreprocessingSpec spec, Span<float> destination, Framing framing = Framing.Wide)
    {
        bool closeUp = framing == Framing.CloseUp;
        int expectW = closeUp ? spec.TileSize : spec.ResizeWidth, expectH = closeUp ? spec.TileSize : spec.ResizeHeight;
        if (resized.Width != expectW || resized.Height != expectH || resized.ColorType != SKColorType.Rgba8888)
            throw new ArgumentException("Bitmap does not match the preprocessing spec.", nameof(resized));
        if (destination.Length < spec.FloatsPerImage) throw new ArgumentException("Destination too small.", nameof(destination));
        var pixels = resized.GetPixelSpan();
        int stride = resized.RowBytes, s = spec.TileSize, plane = s * s;
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
                        var row = pixels.Slice(sy * stride + sourceX * 4, s * 4);
                        for (int x = 0; x < s; x++)
                        {
                            int sx = (flipX ? s - 1 - x : x) * 4;
                            int i = y * s + x;
                            dst[i] = row[sx];
                            dst[plane + i] = row[sx + 1];
                            dst[2 * plane + i] = row[sx + 2];
                        }
                    }
                }
        }
    }
}
