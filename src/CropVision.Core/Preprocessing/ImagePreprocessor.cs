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
    public static float[] Preprocess(ReadOnlySpan<byte> imageBytes, PreprocessingSpec spec, long maxPixels = ImageDecoder.DefaultMaxPixels)
    {
        var tensor = new float[spec.FloatsPerImage];
        Preprocess(imageBytes, spec, tensor, maxPixels);
        return tensor;
    }

    public static void Preprocess(ReadOnlySpan<byte> imageBytes, PreprocessingSpec spec, Span<float> destination, long maxPixels = ImageDecoder.DefaultMaxPixels)
    {
        using var resized = DecodeAndResize(imageBytes, spec, maxPixels);
        WriteViews(resized, spec, destination);
    }

    /// <summary>Decoded, upright, turned landscape if the spec asks, and resized to the spec's size.</summary>
    public static SKBitmap DecodeAndResize(ReadOnlySpan<byte> imageBytes, PreprocessingSpec spec, long maxPixels = ImageDecoder.DefaultMaxPixels)
    {
        bool turn = false;
        // Ask the decoder for enough pixels for the target in the image's own (upright) orientation.
        SKBitmap image = ImageDecoder.DecodeUpright(imageBytes, (w, h) =>
        {
            turn = spec.LongSideHorizontal && h > w && spec.ResizeWidth > spec.ResizeHeight;
            return turn ? (spec.ResizeHeight, spec.ResizeWidth) : (spec.ResizeWidth, spec.ResizeHeight);
        }, maxPixels);
        if (turn)
        {
            var turned = Orientation.RotateClockwise(image);
            image.Dispose();
            image = turned;
        }
        if (image.Width == spec.ResizeWidth && image.Height == spec.ResizeHeight) return image;
        try
        {
            var info = new SKImageInfo(spec.ResizeWidth, spec.ResizeHeight, SKColorType.Rgba8888, SKAlphaType.Unpremul);
            return image.Resize(info, Sampling) ?? throw new ImageDecodeException(ImageProblem.Corrupt, "The image could not be resized.");
        }
        finally { image.Dispose(); }
    }

    /// <summary>Cuts the resized image into tiles and writes every (flip, tile) view as planar RGB floats.</summary>
    public static void WriteViews(SKBitmap resized, PreprocessingSpec spec, Span<float> destination)
    {
        if (resized.Width != spec.ResizeWidth || resized.Height != spec.ResizeHeight || resized.ColorType != SKColorType.Rgba8888)
            throw new ArgumentException("Bitmap does not match the preprocessing spec.", nameof(resized));
        if (destination.Length < spec.FloatsPerImage) throw new ArgumentException("Destination too small.", nameof(destination));
        var pixels = resized.GetPixelSpan();
        int stride = resized.RowBytes, s = spec.TileSize, plane = s * s;
        int view = 0;
        foreach (var flip in spec.Flips)
        {
            bool flipX = flip is Flip.Horizontal or Flip.Both, flipY = flip is Flip.Vertical or Flip.Both;
            for (int ty = 0; ty < spec.TilesDown; ty++)
                for (int tx = 0; tx < spec.TilesAcross; tx++, view++)
                {
                    var dst = destination.Slice(view * spec.FloatsPerView, spec.FloatsPerView);
                    for (int y = 0; y < s; y++)
                    {
                        int sy = ty * s + (flipY ? s - 1 - y : y);
                        var row = pixels.Slice(sy * stride + tx * s * 4, s * 4);
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
