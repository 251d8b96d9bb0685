using CropVision.FieldStore.Model;

namespace CropVision.FieldStore.Observations;

/// <summary>
/// A farmer's "was this right?" for one diagnosis: the model's answer they were shown, their verdict, and what they say
/// the leaf has (one of the crop's classes, checked by the caller, or null for "don't know").
/// </summary>
public sealed record FarmerFeedback(
    string Crop,
    ModelAnswer Model,
    FarmerVerdict Verdict,
    string? FarmerLabel,
    DateTimeOffset? TakenAt = null,
    double? Latitude = null,
    double? Longitude = null,
    string? Notes = null);

/// <summary>Stores farmer feedback as an observation with no survey (<see cref="ObservationSource.FarmerFeedback"/>).</summary>
public sealed class FarmerFeedbackWriter(ObservationStore store)
{
    /// <summary>
    /// Stores the photo (content-addressed, once) and the feedback. Throws
    /// <see cref="CropVision.Core.Preprocessing.ImageDecodeException"/> for an unreadable photo and
    /// <see cref="FieldStoreValidationException"/> for bad fields.
    /// </summary>
    public async Task<Observation> AddFarmerFeedbackAsync(FarmerFeedback feedback, ReadOnlyMemory<byte> photo, CancellationToken ct)
    {
        var added = await store.AddAsync(new ObservationInput
        {
            Crop = feedback.Crop,
            Source = ObservationSource.FarmerFeedback,
            ClientTakenAt = feedback.TakenAt,
            ClientLatitude = feedback.Latitude,
            ClientLongitude = feedback.Longitude,
            UsePhotoPosition = false,
            Model = feedback.Model,
            Notes = feedback.Notes,
            FarmerVerdict = feedback.Verdict,
            FarmerLabel = string.IsNullOrWhiteSpace(feedback.FarmerLabel) ? null : feedback.FarmerLabel,
        }, photo, ct);
        return added.Observation;
    }
}
