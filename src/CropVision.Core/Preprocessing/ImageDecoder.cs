using SkiaSharp;

namespace CropVision.Core.Preprocessing;

/// <summary>
/// Decodes JPEG, PNG and WebP into an upright RGBA bitmap. Reads the header first so oversized images are refused before
/// any pixel memory is allocated, and decodes large JPEGs at a reduced scale in the DCT domain (much cheaper than a full
/// decode followed by a resize).
/// </summary>
public static class ImageDecoder
{
    public const long DefaultMaxPixels = 50_000_000;

    /// <summary>Decode so that the upright image is at least <paramref name="minWidth"/> x <paramref name="minHeight"/> where the source allows.</summary>
    public static SKBitmap DecodeUpright(ReadOnlySpan<byte> bytes, int minWidth, int minHeight, long maxPixels = DefaultMaxPixels) =>
        DecodeUpright(bytes, (_, _) => (minWidth, minHeight), maxPixels);

    /// <summary>
    /// Decode with the minimum size chosen from the upright size (the header is read once: <paramref name="minimumFor"/>
    /// gets the upright width and height before any pixel is decoded).
    /// </summary>
    public static SKBitmap DecodeUpright(ReadOnlySpan<byte> bytes, Func<int, int, (int Width, int Height)> minimumFor, long maxPixels = DefaultMaxPixels)
    {
        using var upright = DecodeUprightPooled(bytes, minimumFor, maxPixels);
        return upright.ToBitmap();
    }

    /// <summary>
    /// As <see cref="DecodeUpright(ReadOnlySpan{byte}, Func{int, int, ValueTuple{int, int}}, long)"/>, into a pooled buffer:
    /// the image bytes are read in place (no copy) and the pixels land in rented memory, so the serving path allocates
    /// no large objects per photo.
    /// </summary>
    public static unsafe PooledImage DecodeUprightPooled(ReadOnlySpan<byte> bytes, Func<int, int, (int Width, int Height)> minimumFor, long maxPixels = DefaultMaxPixels)
    {
        var format = CheckHeader(bytes, maxPixels);
        SKEncodedOrigin origin;
        PooledImage stored;
        fixed (byte* start = bytes)
        {
            // The codec reads the caller's bytes where they lie; both are gone before the span is unpinned.
            using var data = SKData.Create((IntPtr)start, bytes.Length);
            using var codec = SKCodec.Create(data)
                ?? throw new ImageDecodeException(ImageProblem.Corrupt, $"The {format} header cannot be read: the file is damaged or truncated.");
            var info = codec.Info;
            if (info.Width <= 0 || info.Height <= 0)
                throw new ImageDecodeException(ImageProblem.Corrupt, $"The {format} header gives no size.");
            CheckPixels(info.Width, info.Height, maxPixels);

            origin = codec.EncodedOrigin;
            bool swapsAxes = Orientation.SwapsAxes(origin);
            var (minWidth, minHeight) = swapsAxes ? minimumFor(info.Height, info.Width) : minimumFor(info.Width, info.Height);
            // Stored-orientation size that the upright target corresponds to.
            int needW = swapsAxes ? minHeight : minWidth, needH = swapsAxes ? minWidth : minHeight;
            var size = ChooseDecodeSize(codec, needW, needH);

            stored = PooledImage.Rent(size.Width, size.Height);
            try
            {
                SKCodecResult status;
                using (var pixels = stored.Pin()) status = codec.GetPixels(stored.Info, (IntPtr)pixels.Pointer, stored.RowBytes, SKCodecOptions.Default);
                // IncompleteInput still yields the decoded part (grey for the rest); a phone upload cut short is refused instead.
                if (status != SKCodecResult.Success)
                    throw new ImageDecodeException(ImageProblem.Corrupt, $"The {format} data is damaged or truncated ({status}).");
            }
            catch
            {
                stored.Dispose();
                throw;
            }
        }
        if (origin == SKEncodedOrigin.TopLeft) return stored;
        using (stored) return Orientation.ApplyExif(stored, origin);
    }

    /// <summary>
    /// Sniffs the format and enforces the pixel limit from the raw header bytes, before any decoder sees the file.
    /// </summary>
    public static ImageFormat CheckHeader(ReadOnlySpan<byte> bytes, long maxPixels = DefaultMaxPixels)
    {
        if (bytes.IsEmpty) throw new ImageDecodeException(ImageProblem.Empty, "The image is empty (0 bytes).");
        var format = ImageFormatSniffer.Sniff(bytes);
        if (format == ImageFormat.Unknown)
            throw new ImageDecodeException(ImageProblem.UnsupportedFormat, "Not a JPEG, PNG or WebP image (the bytes do not start with a known signature).");
        if (ImageHeader.TryReadSize(bytes, format) is var (w, h))
        {
            CheckPixels(w, h, maxPixels);
            if (format == ImageFormat.Jpeg && ImageHeader.JpegMinimumBytes(bytes) is { } least && bytes.Length < least)
                throw new ImageDecodeException(ImageProblem.Corrupt,
                    $"The JPEG is {bytes.Length:N0} bytes, too few for the {w}x{h} image its header claims (at least {least:N0}): the file is truncated or damaged.");
        }
        return format;
    }

    private static void CheckPixels(int width, int height, long maxPixels)
    {
        if (width <= 0 || height <= 0) throw new ImageDecodeException(ImageProblem.Corrupt, "The image header gives no size.");
        if ((long)width * height > maxPixels)
            throw new ImageDecodeException(ImageProblem.TooManyPixels,
                $"The image is {width}x{height} = {(long)width * height:N0} pixels; the limit is {maxPixels:N0}.");
    }

    /// <summary>The smallest size the codec can produce natively (JPEG: 1/8 steps) that still covers the target.</summary>
    private static SKSizeI ChooseDecodeSize(SKCodec codec, int needW, int needH)
    {
        var full = codec.Info.Size;
        if (codec.EncodedFormat != SKEncodedImageFormat.Jpeg) return full;
        var best = full;
        for (int eighths = 1; eighths < 8; eighths++)
        {
            var scaled = codec.GetScaledDimensions(eighths / 8f);
            if (scaled.Width >= needW && scaled.Height >= needH && scaled.Width < best.Width) { best = scaled; break; }
        }
        return best;
    }
}
