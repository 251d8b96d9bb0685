using Microsoft.Net.Http.Headers;

namespace CropVision.Api.Uploads;

/// <summary>The boundary of a multipart content type, checked before a <see cref="Microsoft.AspNetCore.WebUtilities.MultipartReader"/> sees it.</summary>
public static class MultipartBoundary
{
    /// <summary>RFC 2046 allows 70 characters; the reader throws (a 500) on one longer than its buffer.</summary>
    public const int MaxLength = 70;

    /// <summary>The boundary, or why there is none usable (a content type that does not parse, no boundary, too long).</summary>
    public static (string? Boundary, string? Error) From(string contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var parsed)) return (null, "The multipart content type cannot be parsed.");
        var boundary = HeaderUtilities.RemoveQuotes(parsed.Boundary).Value;
        if (string.IsNullOrEmpty(boundary)) return (null, "The multipart content type has no boundary.");
        if (boundary.Length > MaxLength) return (null, $"The multipart boundary is longer than {MaxLength} characters.");
        return (boundary, null);
    }
}
