using CropVision.Api.Feedback;
using CropVision.Api.Uploads;
using CropVision.Core.Preprocessing;
using CropVision.FieldStore;
using CropVision.FieldStore.Model;
using CropVision.FieldStore.Observations;
using CropVision.Serving;
using CropVision.Serving.Batching;
using CropVision.Serving.Predictions;
using CropVision.Serving.Registry;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using static CropVision.Api.Http.Problems;

namespace CropVision.Api.OnDevice;

/// <summary>One model's answer as stored: the phone's or the service's.</summary>
public sealed record StoredAnswer(int? Version, string? Label, double? Confidence, string? Severity, string? Status)
{
    public static StoredAnswer Service(Observation o) => new(o.ModelVersion, o.ModelLabel, o.ModelConfidence, o.ModelSeverity, o.ModelStatus);
    public static StoredAnswer? Device(Observation o) =>
        o.AnsweredOnDevice ? new(o.DeviceModelVersion, o.DeviceLabel, o.DeviceConfidence, o.DeviceSeverity, o.DeviceStatus) : null;
    /// <summary>Same label and same status.</summary>
    public bool Agrees(StoredAnswer other) => Label == other.Label && Status == other.Status;
}

/// <summary>
/// What was stored for an answer made on the phone: the observation, whether this upload was a retry of one stored
/// before (<see cref="Duplicate"/>: nothing new was stored), the phone's and the service's answers and whether they agree.
/// </summary>
public sealed record DeviceAnswerReceipt(Guid Id, Guid ClientId, string Crop, DateTimeOffset ReceivedAt, bool Duplicate,
    bool PhotoStored, string? PhotoNote, StoredAnswer Device, StoredAnswer Service, bool Agreed);

/// <summary>
/// POST /v1/device-answers: an answer the farmer's phone made offline, sent with its photo once online. Stored as farmer
/// feedback (the photo re-encoded, the day's photo quota, the feedback rate limit) marked as answered on the device, with
/// the service's own answer to the same photo beside it, so officers review both and retraining can use the photo.
/// </summary>
public static class DeviceAnswerEndpoints
{
    public static IEndpointRouteBuilder MapDeviceAnswerApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/device-answers", PostAsync).WithName("DeviceAnswer").WithTags("Feedback")
            .RequireRateLimiting(FeedbackEndpoints.RateLimitPolicy)
            .Accepts<IFormFile>("multipart/form-data")
            .WithSummary("An answer made on the phone (offline), with its photo: stored once per id, beside the service's own answer")
            .WithDescription("Multipart: 'image' (the photo the phone diagnosed; same limits as predict), 'id' (a UUID the phone made for this answer: " +
                             "a retry with the same id stores nothing new and answers 200 with the first receipt), 'crop', 'modelVersion' (the version the phone ran), " +
                             "'label', 'confidence', 'severity', 'status' (ok | uncertain | rejected), 'probabilities' (optional: a JSON object, class -> 0..1). " +
                             "The service diagnoses the photo too; both answers are in the receipt and in the review queue (GET /v1/review).")
            .Produces<DeviceAnswerReceipt>(StatusCodes.Status201Created)
            .Produces<DeviceAnswerReceipt>(StatusCodes.Status200OK)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    private static async Task<Results<Created<DeviceAnswerReceipt>, Ok<DeviceAnswerReceipt>, ValidationProblem, ProblemHttpResult>> PostAsync(
        HttpContext http, ModelRegistry registry, PredictionService predictions, FarmerFeedbackWriter writer, ObservationStore store, IOptions<LimitsOptions> limits)
    {
        var (form, refusal) = await OnePhotoForm.ReadAsync(http, registry, limits.Value, "answer");
        if (form is null) return refusal!;
        var (submission, errors) = DeviceAnswerForm.Validate(form.Fields, form.Photo.Bytes, form.Model, registry.AvailableVersions(form.Crop));
        if (submission is null) return TypedResults.ValidationProblem(errors, title: "Invalid answer");

        // A retry of an upload whose answer was lost on the way: the first receipt, without running the model again.
        if (await store.FindByClientIdAsync(submission.ClientId, http.RequestAborted) is { } sent)
            return TypedResults.Ok(Receipt(sent, duplicate: true, null));

        ModelAnswer service;
        try
        {
            var r = await predictions.PredictAsync(submission.Crop, submission.Photo, http.RequestAborted);
            service = new ModelAnswer(r.Model.Version, r.Label, r.Confidence, r.Severity?.Grade, r.Status);
        }
        catch (ImageDecodeException e) { return FromImage(e); }
        catch (QueueFullException e) { return QueueFull(http, e.RetryAfter); }
        catch (BatcherRetiredException) { return QueueFull(http); }
        catch (KeyNotFoundException) { return NoModel(form.Crop, registry.Served.Select(s => s.Crop)); }

        var feedback = new FarmerFeedback(submission.Crop, service, Verdict: null, FarmerLabel: null, Device: submission.Answer, ClientId: submission.ClientId);
        AddedFeedback added;
        try { added = await writer.AddFarmerFeedbackAsync(feedback, submission.Photo, http.RequestAborted); }
        catch (ImageDecodeException e) { return FromImage(e); }
        catch (FieldStoreValidationException e) { return Create(StatusCodes.Status400BadRequest, "Invalid answer", e.Message); }
        var receipt = Receipt(added.Observation, added.Duplicate, added.PhotoNotStored);
        return added.Duplicate ? TypedResults.Ok(receipt) : TypedResults.Created((string?)null, receipt);
    }

    private static DeviceAnswerReceipt Receipt(Observation o, bool duplicate, string? photoNote)
    {
        var device = StoredAnswer.Device(o)!;
        var service = StoredAnswer.Service(o);
        return new DeviceAnswerReceipt(o.Id, o.ClientId!.Value, o.Crop, o.CreatedAt, duplicate, o.PhotoSha256 is not null, photoNote,
            device, service, device.Agrees(service));
    }
}
