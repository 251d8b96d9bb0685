using System.Threading.RateLimiting;
using CropVision.Api.Uploads;
using CropVision.Core.Preprocessing;
using CropVision.FieldStore;
using CropVision.FieldStore.Model;
using CropVision.FieldStore.Observations;
using CropVision.Serving;
using CropVision.Serving.Batching;
using CropVision.Serving.Registry;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using static CropVision.Api.Http.Problems;

namespace CropVision.Api.Feedback;

/// <summary>
/// What was stored: the observation's id in the field store, and whether the photo was kept (<see cref="PhotoNote"/>
/// says why not: the day's feedback photo quota was spent).
/// </summary>
public sealed record FeedbackReceipt(Guid Id, string Crop, string Verdict, string? FarmerLabel, DateTimeOffset ReceivedAt, bool PhotoStored, string? PhotoNote);

/// <summary>POST /v1/feedback: a farmer's "right / wrong" on an answer, with the photo, stored for retraining.</summary>
public static class FeedbackEndpoints
{
    public const string RateLimitPolicy = FeedbackRateLimit.PolicyName;

    /// <summary>The feedback options and its rate-limit policy (<see cref="FeedbackRateLimit"/>; UseRateLimiter runs it).</summary>
    public static IHostApplicationBuilder AddFeedback(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<FeedbackOptions>().BindConfiguration(FeedbackOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<RateLimiterOptions>().Configure(o => o.AddPolicy<string, FeedbackRateLimit>(RateLimitPolicy));
        return builder;
    }

    public static IEndpointRouteBuilder MapFeedbackApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/feedback").WithTags("Feedback")
            .RequireRateLimiting(RateLimitPolicy)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        group.MapPost("/", PostAsync).WithName("Feedback")
            .Accepts<IFormFile>("multipart/form-data")
            .WithSummary("A farmer's verdict on an answer, with the photo (stored for retraining)")
            .WithDescription("Multipart: 'image' (the photo that was diagnosed; same limits as predict), 'crop', 'modelVersion', " +
                             "'label', 'confidence', 'severity', 'status' (what the model answered), 'verdict' (right | wrong), " +
                             "'farmerLabel' (with wrong: the right class, or empty for don't know).");
        return app;
    }

    private static async Task<Results<Created<FeedbackReceipt>, ValidationProblem, ProblemHttpResult>> PostAsync(
        HttpContext http, ModelRegistry registry, FarmerFeedbackWriter store, IOptions<LimitsOptions> limits)
    {
        var (form, refusal) = await OnePhotoForm.ReadAsync(http, registry, limits.Value, "verdict");
        if (form is null) return refusal!;

        var (submission, errors) = FeedbackForm.Validate(form.Fields, form.Photo.Bytes, form.Model, registry.AvailableVersions(form.Crop));
        if (submission is null) return TypedResults.ValidationProblem(errors, title: "Invalid feedback");
        var s = submission;
        var feedback = new FarmerFeedback(s.Crop, new ModelAnswer(s.ModelVersion, s.Label, s.Confidence, s.Severity, s.Status),
            s.Verdict == FeedbackForm.Right ? FarmerVerdict.Right : FarmerVerdict.Wrong, s.FarmerLabel);
        AddedFeedback added;
        try { added = await store.AddFarmerFeedbackAsync(feedback, s.Photo, http.RequestAborted); }
        catch (ImageDecodeException e) { return FromImage(e); }
        catch (FieldStoreValidationException e) { return Create(StatusCodes.Status400BadRequest, "Invalid feedback", e.Message); }
        var stored = added.Observation;
        return TypedResults.Created((string?)null, new FeedbackReceipt(stored.Id, stored.Crop, s.Verdict, stored.FarmerLabel, stored.CreatedAt,
            PhotoStored: stored.PhotoSha256 is not null, PhotoNote: added.PhotoNotStored));
    }
}
