using CropVision.Api.Predictions;
using CropVision.Core.Preprocessing;
using CropVision.FieldStore.Infrastructure;
using CropVision.FieldStore.Observations;
using CropVision.Serving.Batching;
using CropVision.Serving.Predictions;
using CropVision.Serving.Registry;

namespace CropVision.Api.Surveys;

/// <summary>
/// A survey photo in: the model's answer through the service's own prediction path (<see cref="PredictionService"/>),
/// then the store. A photo the survey already has is not run through the model again.
/// </summary>
public sealed class ObservationIntake(PredictionService predictions, ObservationStore store, ILogger<ObservationIntake> log)
{
    private static readonly TimeSpan BusyWait = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Throws <see cref="ImageDecodeException"/> for a photo that is not a readable image (nothing is stored),
    /// <see cref="CropVision.FieldStore.FieldStoreValidationException"/> for bad fields, <see cref="QueueFullException"/>
    /// when the model stays busy for <paramref name="maxBusyWaits"/> tries.
    /// </summary>
    public async Task<AddedObservation> AddAsync(ObservationInput input, byte[] photo, int maxBusyWaits, CancellationToken ct,
        Func<FieldStoreContext, bool, Task>? alsoCommit = null)
    {
        ImageDecoder.CheckHeader(photo);
        if (input.SurveyId is { } surveyId)
        {
            var sha = CropVision.FieldStore.Photos.PhotoFiles.Sha256Of(photo);
            // A resend (same key) or a photo the survey has: stored as such without the model; a key reused for another photo throws here.
            if (await store.FindByKeyAsync(surveyId, input.IdempotencyKey, sha, ct) is not null || await store.FindInSurveyAsync(surveyId, sha, ct) is not null)
                return await store.AddAsync(input, photo, ct, alsoCommit); // records the duplicate (and the caller's progress) without the model
        }
        var answer = await PredictAsync(input.Crop, photo, maxBusyWaits, ct);
        return await store.AddAsync(input with { Model = answer }, photo, ct, alsoCommit);
    }

    private async Task<ModelAnswer> PredictAsync(string crop, byte[] photo, int maxBusyWaits, CancellationToken ct)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                var r = await predictions.PredictAsync(crop, photo, ct);
                return new ModelAnswer(r.Model.Version, r.Label, r.Confidence, r.Severity?.Grade, r.Status);
            }
            catch (KeyNotFoundException)
            {
                return ModelAnswer.Failed($"No model is deployed for '{crop}'.");
            }
            catch (Exception e) when ((e is QueueFullException or BatcherRetiredException) && attempt < maxBusyWaits)
            {
                log.LogDebug("Model busy for a survey photo; waiting");
                await Task.Delay(BusyWait * (attempt + 1), ct);
            }
        }
    }
}
