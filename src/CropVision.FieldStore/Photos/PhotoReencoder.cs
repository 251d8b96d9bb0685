using CropVision.Core.Preprocessing;
using SkiaSharp;

namespace CropVision.FieldStore.Photos;

/// <summary>
/// A photo redrawn as a plain JPEG: upright (EXIF orientation applied), longest side at most a limit, transparency
/// flattened on white, and nothing but pixels: no EXIF, GPS, names or comment segments survive, whatever the upload
/// carried. Used for anonymous farmer feedback; officers' survey photos keep their originals.
/// </summary>
public static class PhotoReencoder
{
    /// <summary>Throws <see cref="ImageDecodeException"/> for a photo that does not decode. The caller holds a decode slot.</summary>
    public static byte[] ToJpeg(ReadOnlySpan<byte> photo, int maxSide, int quality, long maxPixels)
    {
        // A JPEG decodes straight at a reduced scale (DCT domain) when the target allows it; the pixels stay in the pooled
        // buffer (a 7000x7000 PNG is 196 MB there: a bitmap copy would double it).
        using var upright = ImageDecoder.DecodeUprightPooled(photo, (w, h) => Fit(w, h, maxSide), maxPixels);
        var (width, height) = Fit(upright.Width, upright.Height, maxSide);
        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new ImageDecodeException(ImageProblem.Corrupt, "The photo could not be redrawn.");
        surface.Canvas.Clear(SKColors.White);
        upright.DrawTo(surface.Canvas, new SKRect(0, 0, width, height), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        using var image = surface.Snapshot();
        using var jpeg = image.Encode(SKEncodedImageFormat.Jpeg, quality);
        return jpeg.ToArray();
    }

    private static (int Width, int Height) Fit(int width, int height, int maxSide)
    {
        double scale = Math.Min(1.0, (double)maxSide / Math.Max(width, height));
        return (Math.Max(1, (int)Math.Round(width * scale)), Math.Max(1, (int)Math.Round(height * scale)));
    }
}
