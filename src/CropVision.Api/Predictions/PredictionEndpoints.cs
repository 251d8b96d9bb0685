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
        group.MapPost("/combined", PredictCombinedAsync).WithName("PredictCombined")
            .Accepts<IFormFile>("multipart/form-data")
            .WithSummary("Several leaves of one plant or plot (multipart parts named 'image'), one diagnosis")
            .WithDescription("Each leaf is diagnosed as by /v1/predict; the combined answer averages the log-probabilities of the leaves that are not rejected " +
                "(renormalised), takes its status from those with the same thresholds as one leaf (rejected only when every leaf is), and the worst severity " +
                "among them. Each leaf's own result (or error) is listed under 'leaves', with 'used' saying whether it counted. Limits: Limits:MaxImagesPerBatch parts.");
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

        var results = (await RunAllAsync(crop, images, predictions, http))
            .Select(r => new BatchItem(r.Index, r.Image.FileName, r.Answer?.Response, r.Problem)).ToArray();
        http.Response.OnCompleted(() =>
        {
            foreach (var item in results.Where(r => r.Result is not null)) shadow.Offer(item.Result!.Crop, images[item.Index].Bytes, item.Result);
            return Task.CompletedTask;
        });
        return TypedResults.Ok(new BatchResponse(crop, results));
    }

    private static async Task<Results<Ok<CombinedResponse>, ProblemHttpResult>> PredictCombinedAsync(
        [FromQuery] string? crop, HttpContext http, PredictionService predictions, ModelRegistry registry, IOptions<LimitsOptions> limits, ShadowRunner shadow)
    {
        if (string.IsNullOrWhiteSpace(crop)) return CropRequired(registry);
        if (registry.Get(crop) is null) return NoModel(crop, registry.Served.Select(s => s.Crop));
        if (Refused(predictions, crop, http) is { } busy) return busy;
        List<UploadedImage> images;
        try { images = await ImageUploads.ReadAsync(http.Request, limits.Value, limits.Value.MaxImagesPerBatch, http.RequestAborted); }
        catch (UploadException e) { return Create(e.Status, e.Title, e.Message); }

        var runs = await RunAllAsync(crop, images, predictions, http);
        var answered = runs.Where(r => r.Answer is not null).ToList();
        if (answered.Count == 0)
        {
            // No leaf could be read or queued: the first leaf's own problem says why (400, 415, 503 ...).
            var first = runs[0].Problem!;
            if (first.Status == StatusCodes.Status503ServiceUnavailable) return QueueFull(http, first.Extensions.TryGetValue("retryAfterSeconds", out var s) && s is int sec ? TimeSpan.FromSeconds(sec) : null);
            return Create(first.Status ?? StatusCodes.Status400BadRequest, first.Title ?? "No leaf could be diagnosed",
                $"None of the {runs.Length} photos could be diagnosed; the first: {first.Detail}");
        }
        // Leaves can only be combined when one model answered them all; a reload during the request may have moved some to
        // the new version: those answered by the last leaf's model count, the others are listed with used = false.
        var model = answered[^1].Answer!.Model;
        var same = answered.Where(r => ReferenceEquals(r.Answer!.Model, model)).ToList();
        var combined = predictions.Combine(model, [.. same.Select(r => r.Answer!.Raw)]);
        var usedIndices = combined.Used.Select(i => same[i].Index).ToList();
        var diagnosis = combined with { Used = usedIndices };
        var leaves = runs.Select(r => new LeafItem(r.Index, r.Image.FileName, usedIndices.Contains(r.Index), r.Answer?.Response, r.Problem)).ToList();
        http.Response.OnCompleted(() =>
        {
            foreach (var r in answered) shadow.Offer(r.Answer!.Response.Crop, r.Image.Bytes, r.Answer.Response);
            return Task.CompletedTask;
        });
        return TypedResults.Ok(new CombinedResponse(crop, diagnosis, leaves));
    }

    private sealed record Run(int Index, UploadedImage Image, PredictionService.LeafAnswer? Answer, ProblemDetails? Problem);

    /// <summary>
    /// Decodes every image first, then queues them all at once so they share batches; each failure stays with its own image.
    /// Admission counts the request's own images admitted before (they will queue ahead), so a batch gets no more than a lone photo would.
    /// </summary>
    private static async Task<Run[]> RunAllAsync(string crop, List<UploadedImage> images, PredictionService predictions, HttpContext http)
    {
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
            if (p.ready is null) return new Run(p.index, p.image, null, p.problem);
            try { return new Run(p.index, p.image, await predictions.CompleteLeafAsync(p.ready, http.RequestAborted), null); }
            catch (QueueFullException e) { return new Run(p.index, p.image, null, Details(Busy(e.RetryAfter))); }
            catch (BatcherRetiredException) { return new Run(p.index, p.image, null, Details(Busy())); }
        }).ToList();
        return await Task.WhenAll(tasks);
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
