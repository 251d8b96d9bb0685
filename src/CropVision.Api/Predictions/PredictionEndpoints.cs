using CropVision.Api.Uploads;
using CropVision.Core.Preprocessing;
using CropVision.Serving;
using CropVision.Serving.Batching;
using CropVision.Serving.Predictions;
using CropVision.Serving.Registry;
using CropVision.Serving.Shadow;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using static CropVision.Api.Http.Problems;

namespace CropVision.Api.Predictions;

public static class PredictionEndpoints
{
    public static IEndpointRouteBuilder MapPredictionsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/predict").WithTags("Predict")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        group.MapPost("/", PredictAsync).WithName("Predict")
            .Accepts<IFormFile>("multipart/form-data", "image/jpeg", "image/png", "image/webp", "application/octet-stream")
            .WithSummary("Diagnose one leaf photo")
            .WithDescription("Multipart field 'image', or the raw image as the body. JPEG, PNG or WebP; the format is read from the bytes.");
        group.MapPost("/batch", PredictBatchAsync).WithName("PredictBatch")
            .Accepts<IFormFile>("multipart/form-data")
            .WithSummary("Diagnose several leaf photos (multipart parts named 'image'); one result or error per image, in order");
        return app;
    }

    private static async Task<Results<Ok<PredictionResponse>, ProblemHttpResult>> PredictAsync(
        [FromQuery] string? crop, HttpContext http, PredictionService predictions, ModelRegistry registry, IOptions<LimitsOptions> limits, ShadowRunner shadow)
    {
        if (string.IsNullOrWhiteSpace(crop)) return CropRequired(registry);
        if (registry.Get(crop) is null) return NoModel(crop, registry.Served.Select(s => s.Crop));
        if (Refused(predictions, crop, http) is { } busy) return busy;
        List<UploadedImage> images;
        try { images = await ImageUploads.ReadAsync(http.Request, limits.Value, maxImages: 1, http.RequestAborted); }
        catch (UploadException e) { return Create(e.Status, e.Title, e.Message); }
        try
        {
            var answer = await predictions.PredictAsync(crop, images[0].Bytes, http.RequestAborted);
            // The shadow candidate only ever sees the photo once the farmer's answer has gone out.
            http.Response.OnCompleted(() => { shadow.Offer(answer.Crop, images[0].Bytes, answer); return Task.CompletedTask; });
            return TypedResults.Ok(answer);
        }
        catch (ImageDecodeException e) { return FromImage(e); }
        catch (QueueFullException e) { return QueueFull(http, e.RetryAfter); }
        catch (BatcherRetiredException) { return QueueFull(http); }
        catch (KeyNotFoundException) { return NoModel(crop, registry.Served.Select(s => s.Crop)); }
    }

    private static async Task<Results<Ok<BatchResponse>, ProblemHttpResult>> PredictBatchAsync(
        [FromQuery] string? crop, HttpContext http, PredictionService predictions, ModelRegistry registry, IOptions<LimitsOptions> limits, ShadowRunner shadow)
    {
        if (string.IsNullOrWhiteSpace(crop)) return CropRequired(registry);
        if (registry.Get(crop) is null) return NoModel(crop, registry.Served.Select(s => s.Crop));
        if (Refused(predictions, crop, http) is { } busy) return busy; // not even one image would be taken
        List<UploadedImage> images;
        try { images = await ImageUploads.ReadAsync(http.Request, limits.Value, limits.Value.MaxImagesPerBatch, http.RequestAborted); }
        catch (UploadException e) { return Create(e.Status, e.Title, e.Message); }

        // Decode every image first, then queue them all at once so they share batches; each failure stays with its own image.
        // Admission counts the request's own images admitted before (they will queue ahead), so a batch gets no more than a lone photo would.
        int admitted = 0;
        var prepared = new List<(int index, UploadedImage image, PredictionService.Prepared? ready, ProblemDetails? problem)>(images.Count);
        foreach (var (image, index) in images.Select((image, index) => (image, index)))
        {
            try
            {
                var ready = await predictions.PrepareAsync(crop, image.Bytes, admitted, http.RequestAborted);
                admitted++;
                prepared.Add((index, image, ready, null));
            }
            catch (ImageDecodeException e) { prepared.Add((index, image, null, Details(FromImage(e)))); }
            catch (QueueFullException e) { prepared.Add((index, image, null, Details(Busy(e.RetryAfter)))); }
        }
        var tasks = prepared.Select(async p =>
        {
            if (p.ready is null) return new BatchItem(p.index, p.image.FileName, null, p.problem);
            try { return new BatchItem(p.index, p.image.FileName, await predictions.CompleteAsync(p.ready, http.RequestAborted), null); }
            catch (QueueFullException e) { return new BatchItem(p.index, p.image.FileName, null, Details(Busy(e.RetryAfter))); }
            catch (BatcherRetiredException) { return new BatchItem(p.index, p.image.FileName, null, Details(Busy())); }
        }).ToList();
        var results = await Task.WhenAll(tasks);
        http.Response.OnCompleted(() =>
        {
            foreach (var item in results.Where(r => r.Result is not null)) shadow.Offer(item.Result!.Crop, images[item.Index].Bytes, item.Result);
            return Task.CompletedTask;
        });
        return TypedResults.Ok(new BatchResponse(crop, results));
    }

    /// <summary>The 503 for a request refused before its body is read (overload costs no upload memory, no decoding), else null.</summary>
    private static ProblemHttpResult? Refused(PredictionService predictions, string crop, HttpContext http)
    {
        try { predictions.Admit(crop); return null; }
        catch (QueueFullException e) { return QueueFull(http, e.RetryAfter); }
        catch (KeyNotFoundException) { return null; } // unloaded meanwhile: the usual path answers 404
    }

    private static ProblemHttpResult CropRequired(ModelRegistry registry) =>
        Create(StatusCodes.Status400BadRequest, "Crop required",
            $"Say which crop the leaf is from: ?crop=NAME. Crops with a model: {string.Join(", ", registry.Served.Select(s => s.Crop).DefaultIfEmpty("(none)"))}.");

    private static ProblemDetails Details(ProblemHttpResult r) => r.ProblemDetails;
}
