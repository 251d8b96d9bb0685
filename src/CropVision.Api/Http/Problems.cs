using CropVision.Api.Review;
using CropVision.Core.Preprocessing;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace CropVision.Api.Http;

/// <summary>RFC 9457 problem details for every error the API answers; never a stack trace.</summary>
public static class Problems
{
    /// <summary>Name of the problem member that carries the stable code pages map to their own language.</summary>
    public const string CodeMember = "code";

    /// <summary>
    /// A problem with its stable <c>code</c> (<see cref="CodeFor"/>): pages show their own text for it, never the English
    /// detail.
    /// </summary>
    public static ProblemHttpResult Create(int status, string title, string detail, IDictionary<string, object?>? extensions = null)
    {
        var members = new Dictionary<string, object?>(extensions ?? new Dictionary<string, object?>());
        members.TryAdd(CodeMember, CodeFor(title));
        return TypedResults.Problem(detail: detail, statusCode: status, title: title, extensions: members);
    }

    // Codes that name their subject where the title alone is vague; every other title becomes its kebab-case slug.
    private static readonly Dictionary<string, string> NamedCodes = new(StringComparer.Ordinal)
    {
        ["Dates reversed"] = "survey-dates-reversed",
        ["Survey closed"] = "survey-closed",
        ["Unsupported image format"] = "image-unsupported",
        ["Image too large"] = "image-too-large",
        ["Empty image"] = "image-empty",
        ["Unreadable image"] = "image-unreadable",
        ["Busy"] = "model-busy",
    };

    /// <summary>The stable code of a problem title: a named one, else the title in kebab case ("Bad paging": bad-paging).</summary>
    public static string CodeFor(string? title)
    {
        if (string.IsNullOrWhiteSpace(title)) return "error";
        if (NamedCodes.TryGetValue(title, out var code)) return code;
        var slug = new System.Text.StringBuilder(title.Length);
        foreach (var c in title.ToLowerInvariant())
            if (char.IsAsciiLetterOrDigit(c)) slug.Append(c);
            else if (slug.Length > 0 && slug[^1] != '-') slug.Append('-');
        return slug.ToString().Trim('-') is { Length: > 0 } s ? s : "error";
    }

    /// <summary>For problems the framework writes itself (a 404 route, a body that does not bind): a code from the title or the status.</summary>
    public static void AddCode(ProblemDetails problem)
    {
        if (problem.Extensions.ContainsKey(CodeMember)) return;
        problem.Extensions[CodeMember] = problem.Title is { Length: > 0 } ? CodeFor(problem.Title) : $"http-{problem.Status ?? 500}";
    }

    /// <summary>A review the rules refused: 422 for a label or grade the crop does not have, else 400.</summary>
    public static ProblemHttpResult FromReview(ReviewRefusal refusal) =>
        Create(refusal.Unprocessable ? StatusCodes.Status422UnprocessableEntity : StatusCodes.Status400BadRequest, refusal.Title, refusal.Detail);

    public static ProblemHttpResult NoModel(string crop, IEnumerable<string> served) =>
        Create(StatusCodes.Status404NotFound, "No model for this crop",
            $"No model is deployed for '{crop}'. Crops with a model: {string.Join(", ", served.DefaultIfEmpty("(none)"))}.",
            new Dictionary<string, object?> { ["crop"] = crop, ["cropsWithModel"] = served.ToArray() });

    /// <summary>503 with Retry-After, for a whole request refused because the model's queue is full.</summary>
    public static ProblemHttpResult QueueFull(HttpContext http, TimeSpan? retryAfter = null)
    {
        http.Response.Headers.RetryAfter = WholeSeconds(retryAfter).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Busy(retryAfter);
    }

    /// <summary>Name of the problem member that carries the retry hint (as the Retry-After header, in whole seconds).</summary>
    public const string RetryAfterSeconds = "retryAfterSeconds";

    /// <summary>
    /// The busy problem itself, with its retry hint as <c>retryAfterSeconds</c>: also used per image inside a batch
    /// answer, where no header can say it.
    /// </summary>
    public static ProblemHttpResult Busy(TimeSpan? retryAfter = null)
    {
        int seconds = WholeSeconds(retryAfter);
        return Create(StatusCodes.Status503ServiceUnavailable, "Busy",
            $"The model's queue is full. Retry after {seconds} second{(seconds == 1 ? "" : "s")}.",
            new Dictionary<string, object?> { [RetryAfterSeconds] = seconds });
    }

    /// <summary>429 with Retry-After (whole seconds) and the same hint as <c>retryAfterSeconds</c>: every rate limit's answer.</summary>
    public static ProblemHttpResult TooManyRequests(HttpContext http, TimeSpan retryAfter, string title, Func<int, string> detail)
    {
        int seconds = WholeSeconds(retryAfter);
        http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Create(StatusCodes.Status429TooManyRequests, title, detail(seconds), new Dictionary<string, object?> { [RetryAfterSeconds] = seconds });
    }

    /// <summary>The key rate limits count by: the client's address (the phone's, behind a trusted proxy; see ForwardedHeadersSetup).</summary>
    public static string ClientAddress(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    private static int WholeSeconds(TimeSpan? t) => (int)Math.Max(1, Math.Ceiling((t ?? TimeSpan.FromSeconds(1)).TotalSeconds));

    /// <summary>Maps why an image could not be read to its status: 415 unsupported, 413 too large, 400 otherwise.</summary>
    public static ProblemHttpResult FromImage(ImageDecodeException e) => e.Problem switch
    {
        ImageProblem.UnsupportedFormat => Create(StatusCodes.Status415UnsupportedMediaType, "Unsupported image format", e.Message),
        ImageProblem.TooManyPixels => Create(StatusCodes.Status413PayloadTooLarge, "Image too large", e.Message),
        ImageProblem.Empty => Create(StatusCodes.Status400BadRequest, "Empty image", e.Message),
        _ => Create(StatusCodes.Status400BadRequest, "Unreadable image", e.Message),
    };
}
