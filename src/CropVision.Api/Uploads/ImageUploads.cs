using CropVision.Serving;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace CropVision.Api.Uploads;

public sealed record UploadedImage(string? FileName, byte[] Bytes);

/// <summary>An upload the API refuses, with its HTTP status.</summary>
public sealed class UploadException(int status, string title, string detail) : Exception(detail)
{
    public int Status { get; } = status;
    public string Title { get; } = title;
}

/// <summary>
/// Reads images from a request, streaming, never holding more than the configured upload size: multipart parts named
/// "image", or a raw body. The content type a client sends is not trusted for the format (the bytes are sniffed later).
/// </summary>
public static class ImageUploads
{
    public const string FieldName = "image";
    /// <summary>Text fields kept from a multipart form (<paramref name="fields"/> of <see cref="ReadAsync"/>): at most
    /// <see cref="MaxFields"/>, each at most <see cref="MaxFieldLength"/> bytes (longer is a 400, not a silent cut).</summary>
    public const int MaxFieldLength = 4096, MaxFields = 32;

    /// <summary>
    /// Reads the images; when <paramref name="fields"/> is given, the form's text parts (parts without a file name) are
    /// collected into it too (name to value); otherwise they are skipped.
    /// </summary>
    public static async Task<List<UploadedImage>> ReadAsync(HttpRequest request, LimitsOptions limits, int maxImages, CancellationToken ct,
        IDictionary<string, string>? fields = null)
    {
        if (request.ContentLength > limits.MaxUploadBytes) throw TooLarge(limits);
        var contentType = request.ContentType ?? "";
        if (!contentType.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase))
        {
            if (contentType.Length > 0 && !contentType.StartsWith("image/", StringComparison.OrdinalIgnoreCase) && !contentType.StartsWith("application/octet-stream", StringComparison.OrdinalIgnoreCase))
                throw new UploadException(StatusCodes.Status415UnsupportedMediaType, "Unsupported content type",
                    $"Send the photo as multipart/form-data (field '{FieldName}') or as a raw image/* body, not '{contentType}'.");
            var raw = await ReadLimitedAsync(request.Body, limits.MaxUploadBytes, limits, ct);
            if (raw.Length == 0) throw new UploadException(StatusCodes.Status400BadRequest, "No image", $"The request body is empty. Send the photo as multipart field '{FieldName}' or as the raw body.");
            return [new UploadedImage(null, raw)];
        }

        var (boundary, error) = MultipartBoundary.From(contentType);
        if (boundary is null) throw new UploadException(StatusCodes.Status400BadRequest, "Malformed multipart", error!);
        var reader = new MultipartReader(boundary, request.Body) { BodyLengthLimit = limits.MaxUploadBytes };
        var images = new List<UploadedImage>();
        long total = 0;
        try
        {
            for (var section = await reader.ReadNextSectionAsync(ct); section is not null; section = await reader.ReadNextSectionAsync(ct))
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)) continue;
                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value;
                if (fields is not null && !string.IsNullOrEmpty(name) && name != FieldName && !disposition.FileName.HasValue && !disposition.FileNameStar.HasValue)
                {
                    if (fields.Count == MaxFields) throw new UploadException(StatusCodes.Status400BadRequest, "Too many fields", $"At most {MaxFields} form fields.");
                    var text = await ReadLimitedAsync(section.Body, MaxFieldLength, limits, ct, $"Form field '{name}' is longer than {MaxFieldLength} bytes.");
                    fields[name] = System.Text.Encoding.UTF8.GetString(text);
                    total += text.Length;
                    continue;
                }
                if (name != FieldName) continue;
                if (images.Count == maxImages)
                    throw new UploadException(StatusCodes.Status413PayloadTooLarge, "Too many images", $"At most {maxImages} image(s) per request.");
                var bytes = await ReadLimitedAsync(section.Body, limits.MaxUploadBytes - total, limits, ct);
                total += bytes.Length;
                images.Add(new UploadedImage(disposition.FileName.HasValue ? HeaderUtilities.RemoveQuotes(disposition.FileName).Value : null, bytes));
            }
        }
        catch (InvalidDataException e) when (e.Message.Contains("limit", StringComparison.OrdinalIgnoreCase))
        {
            throw TooLarge(limits);
        }
        catch (IOException e)
        {
            throw new UploadException(StatusCodes.Status400BadRequest, "Malformed multipart", $"The multipart body could not be read: {e.Message}");
        }
        if (images.Count == 0) throw new UploadException(StatusCodes.Status400BadRequest, "No image", $"The form has no part named '{FieldName}'.");
        return images;
    }

    private static UploadException TooLarge(LimitsOptions limits) =>
        new(StatusCodes.Status413PayloadTooLarge, "Upload too large", $"The upload exceeds {limits.MaxUploadBytes / (1024 * 1024.0):0.#} MB.");

    private static async Task<byte[]> ReadLimitedAsync(Stream body, long remaining, LimitsOptions limits, CancellationToken ct, string? fieldTooLong = null)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int n;
        while ((n = await body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + n > remaining)
                throw fieldTooLong is null ? TooLarge(limits) : new UploadException(StatusCodes.Status400BadRequest, "Field too long", fieldTooLong);
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }
}
