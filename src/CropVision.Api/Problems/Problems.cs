using CropVision.Core.Preprocessing;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CropVision.Api.Problems;

/// <summary>RFC 9457 problem details for every error the API answers; never a stack trace.</summary>
public static class Problems
{
    public static ProblemHttpResult Create(int status, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title, extensions: extensions);

    public static ProblemHttpResult NoModel(string crop, IEnumerable<string> served) =>
        Create(StatusCodes.Status404NotFound, "No model for this crop",
            $"No model is deployed for '{crop}'. Crops with a model: {string.Join(", ", served.DefaultIfEmpty("(none)"))}.",
            new Dictionary<string, object?> { ["crop"] = crop, ["cropsWithModel"] = served.ToArray() });

    /// <summary>503 with Retry-After, for a whole request refused because the model's queue is full.</summary>
    public static ProblemHttpResult QueueFull(HttpContext http)
    {
        http.Response.Headers.RetryAfter = "1";
        return Busy();
    }

    /// <summary>The busy problem itself (also used per image inside a batch answer).</summary>
    public static ProblemHttpResult Busy() =>
        Create(StatusCodes.Status503ServiceUnavailable, "Busy", "The model's queue is full. Retry after a second.");

    /// <summary>Maps why an image could not be read to its status: 415 unsupported, 413 too large, 400 otherwise.</summary>
    public static ProblemHttpResult FromImage(ImageDecodeException e) => e.Problem switch
    {
        ImageProblem.UnsupportedFormat => Create(StatusCodes.Status415UnsupportedMediaType, "Unsupported image format", e.Message),
        ImageProblem.TooManyPixels => Create(StatusCodes.Status413PayloadTooLarge, "Image too large", e.Message),
        ImageProblem.Empty => Create(StatusCodes.Status400BadRequest, "Empty image", e.Message),
        _ => Create(StatusCodes.Status400BadRequest, "Unreadable image", e.Message),
    };
}
