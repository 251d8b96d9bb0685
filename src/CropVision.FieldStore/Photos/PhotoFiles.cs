using System.Security.Cryptography;
using CropVision.Core.Preprocessing;
using SkiaSharp;

namespace CropVision.FieldStore.Photos;

/// <summary>A photo written to its content-addressed place, with its thumbnail.</summary>
public sealed record PhotoFile(string Sha256, string Extension, long Length, int Width, int Height);

/// <summary>
/// Content-addressed photo files: photos/ab/cdef....jpg by SHA-256, plus a small JPEG thumbnail. Every file is written
/// to a temporary file, flushed to disk and then moved into place, so a crash never leaves a half photo at a final path.
/// Callers commit the database row only after <see cref="SaveAsync"/> has returned. The thumbnail's decode waits for
/// the process's <see cref="DecodeGate"/> like every other decode.
/// </summary>
public sealed class PhotoFiles(FieldStorePaths paths, DecodeGate decodes)
{
    public const int ThumbnailSize = 256;
    /// <summary>The same pixel ceiling as the prediction path, so a photo the model took is never refused by the store.</summary>
    public const long MaxPixels = ImageDecoder.DefaultMaxPixels;

    /// <summary>A photo's identity in the store: the lower-case hex SHA-256 of its bytes (also its file name).</summary>
    public static string Sha256Of(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>
    /// Checks the bytes are a readable JPEG, PNG or WebP (throws <see cref="ImageDecodeException"/> otherwise), then
    /// writes the photo and its thumbnail unless they are already there.
    /// </summary>
    public async Task<PhotoFile> SaveAsync(ReadOnlyMemory<byte> bytes, CancellationToken ct)
    {
        using var span = FieldStoreTelemetry.Source.StartActivity(FieldStoreTelemetry.PhotoWrite)?.SetTag(FieldStoreTelemetry.PhotoBytes, bytes.Length);
        ImageFormat format;
        try { format = ImageDecoder.CheckHeader(bytes.Span, MaxPixels); }
        catch (ImageDecodeException e) { span.Failed(e); throw; }
        var sha = Sha256Of(bytes.Span);
        var extension = format switch { ImageFormat.Jpeg => "jpg", ImageFormat.Png => "png", _ => "webp" };

        // The thumbnail decode also proves the whole file decodes: a corrupt photo is refused before anything is written.
        SKData thumb;
        int width, height;
        try
        {
            using (await decodes.EnterAsync(ct)) thumb = MakeThumbnail(bytes.Span, out width, out height);
        }
        catch (ImageDecodeException e) { span.Failed(e); throw; }
        using var _ = thumb;
        var thumbPath = paths.Thumbnail(sha);
        if (!File.Exists(thumbPath)) await WriteAtomicallyAsync(thumbPath, thumb.ToArray(), ct);
        var photoPath = paths.Photo(sha, extension);
        bool isNew = !File.Exists(photoPath);
        if (isNew) await WriteAtomicallyAsync(photoPath, bytes, ct);
        span?.SetTag(FieldStoreTelemetry.PhotoNew, isNew);
        return new PhotoFile(sha, extension, bytes.Length, width, height);
    }

    public string PhotoPath(string sha256, string extension) => paths.Photo(sha256, extension);
    public string ThumbnailPath(string sha256) => paths.Thumbnail(sha256);

    /// <summary>Removes a photo's files (called after the last row referencing it is gone).</summary>
    public void Delete(string sha256, string extension)
    {
        File.Delete(paths.Photo(sha256, extension));
        File.Delete(paths.Thumbnail(sha256));
    }

    /// <summary>Writes to a temporary file, flushes it to the disk, then renames it into place (atomic on one file system).</summary>
    public async Task WriteAtomicallyAsync(string finalPath, ReadOnlyMemory<byte> bytes, CancellationToken ct)
    {
        FieldStorePaths.CreatePrivateFolder(Path.GetDirectoryName(finalPath)!);
        var temp = paths.NewTempFile(); // created 0600: survey photos carry GPS
        try
        {
            await using (var stream = new FileStream(temp, FieldStorePaths.PrivateNewFile(FileOptions.Asynchronous)))
            {
                await stream.WriteAsync(bytes, ct);
                stream.Flush(flushToDisk: true);
            }
            // Another writer may have put the same content there meanwhile: same bytes, so either file is right.
            File.Move(temp, finalPath, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Deletes temporary files left by a crash (nothing references them).</summary>
    public int CleanTemporaryFiles(TimeSpan olderThan)
    {
        int removed = 0;
        foreach (var file in Directory.EnumerateFiles(paths.Temp, "*.part"))
        {
            if (DateTime.UtcNow - File.GetLastWriteTimeUtc(file) < olderThan) continue;
            try
            {
                File.Delete(file); removed++;
            }
            catch (IOException)
            {
            }
        }
        return removed;
    }

    private static SKData MakeThumbnail(ReadOnlySpan<byte> bytes, out int width, out int height)
    {
        int w = 0, h = 0;
        using var upright = ImageDecoder.DecodeUpright(bytes, (uw, uh) =>
        {
            (w, h) = (uw, uh);
            double scale = Math.Min(1.0, (double)ThumbnailSize / Math.Max(uw, uh));
            return (Math.Max(1, (int)(uw * scale)), Math.Max(1, (int)(uh * scale)));
        }, MaxPixels);
        (width, height) = (w, h);
        double s = Math.Min(1.0, (double)ThumbnailSize / Math.Max(upright.Width, upright.Height));
        var size = new SKImageInfo(Math.Max(1, (int)Math.Round(upright.Width * s)), Math.Max(1, (int)Math.Round(upright.Height * s)), SKColorType.Rgba8888, SKAlphaType.Premul);
        using var small = upright.Resize(size, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear))
            ?? throw new ImageDecodeException(ImageProblem.Corrupt, "The photo could not be resized for its thumbnail.");
        using var image = SKImage.FromBitmap(small);
        return image.Encode(SKEncodedImageFormat.Jpeg, 80);
    }
}
