using CropVision.FieldStore.Model;
using CropVision.FieldStore.Photos;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CropVision.Api.Http;

/// <summary>A stored photo or its thumbnail as a file response (survey pages and review queue alike).</summary>
public static class PhotoFileResults
{
    public static Results<PhysicalFileHttpResult, ProblemHttpResult> Photo(PhotoFiles files, StoredPhoto photo, HttpContext http) =>
        File(files.PhotoPath(photo.Sha256, photo.Extension), photo.Extension switch
        {
            "png" => "image/png",
            "webp" => "image/webp",
            _ => "image/jpeg",
        }, http);

    public static Results<PhysicalFileHttpResult, ProblemHttpResult> Thumbnail(PhotoFiles files, Observation observation, HttpContext http) =>
        observation.PhotoSha256 is { } sha ? File(files.ThumbnailPath(sha), "image/jpeg", http) : NoPhoto(observation);

    /// <summary>Farmer feedback kept without its photo (the day's quota was spent) has nothing to show.</summary>
    public static ProblemHttpResult NoPhoto(Observation observation) =>
        Problems.Create(StatusCodes.Status404NotFound, "No photo", $"Observation {observation.Id} was kept without its photo.");

    private static Results<PhysicalFileHttpResult, ProblemHttpResult> File(string path, string contentType, HttpContext http)
    {
        if (!System.IO.File.Exists(path))
            return Problems.Create(StatusCodes.Status404NotFound, "Photo file missing", "The photo's file is not in the data folder.");
        // Content-addressed: the bytes behind this URL never change. Private: only officers of the team may see it.
        http.Response.Headers.CacheControl = "private, max-age=31536000, immutable";
        return TypedResults.PhysicalFile(path, contentType);
    }
}
