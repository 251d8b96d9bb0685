using CropVision.Core.Preprocessing;
using CropVision.Serving;
using CropVision.Serving.Registry;
using Microsoft.AspNetCore.Http.HttpResults;
using static CropVision.Api.Http.Problems;

namespace CropVision.Api.Uploads;

/// <summary>
/// The start every farmer form shares (feedback, an answer made on the phone): multipart with one photo and a
/// <c>crop</c> field that names a served model, the photo's header within the pixel limit. What follows is each form's own.
/// </summary>
public sealed record OnePhotoForm(Dictionary<string, string> Fields, UploadedImage Photo, string Crop, ServedModel Model)
{
    /// <summary>The form, or the problem that refuses it (415, 413, 400 with a validation problem, 404 for a crop with no model).</summary>
    public static async Task<(OnePhotoForm? Form, ProblemHttpResult? Refusal)> ReadAsync(HttpContext http, ModelRegistry registry, LimitsOptions limits, string what)
    {
        if (!(http.Request.ContentType ?? "").StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            return (null, Create(StatusCodes.Status415UnsupportedMediaType, "Multipart form required",
                $"Send the {what} as multipart/form-data with the photo in field '{ImageUploads.FieldName}'."));
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        List<UploadedImage> images;
        try { images = await ImageUploads.ReadAsync(http.Request, limits, maxImages: 1, http.RequestAborted, fields); }
        catch (UploadException e) { return (null, Create(e.Status, e.Title, e.Message)); }

        var crop = fields.GetValueOrDefault("crop")?.Trim();
        if (string.IsNullOrEmpty(crop))
            return (null, TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { ["crop"] = ["The crop is required."] })
            { Status = StatusCodes.Status400BadRequest }));
        if (registry.Get(crop) is not { } model) return (null, NoModel(crop, registry.Served.Select(s => s.Crop)));
        try { ImageDecoder.CheckHeader(images[0].Bytes, limits.MaxPixelsPerImage); }
        catch (ImageDecodeException e) { return (null, FromImage(e)); }
        return (new OnePhotoForm(fields, images[0], crop, model), null);
    }
}
