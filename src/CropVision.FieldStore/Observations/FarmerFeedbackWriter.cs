using CropVision.Core.Preprocessing;
using CropVision.FieldStore.Model;
using CropVision.FieldStore.Photos;
using Microsoft.Extensions.Options;

namespace CropVision.FieldStore.Observations;

/// <summary>
/// A farmer's "was this right?" for one diagnosis: the model's answer they were shown, their verdict, and what they say
/// the leaf has (one of the crop's classes, checked by the caller, or null for "don't know"). An answer the phone made
/// offline comes with no verdict: <see cref="Device"/> is the phone's answer, <see cref="Model"/> the service's to the
/// same photo, and <see cref="ClientId"/> makes a retried upload store nothing twice.
/// </summary>
public sealed record FarmerFeedback(
    string Crop,
    ModelAnswer Model,
    FarmerVerdict? Verdict,
    string? FarmerLabel,
    DateTimeOffset? TakenAt = null,
    double? Latitude = null,
    double? Longitude = null,
    string? Notes = null,
    DeviceAnswer? Device = null,
    Guid? ClientId = null);

/// <summary>
/// Stored feedback; <see cref="PhotoNotStored"/> says why the photo was not kept (null when it was); <see cref="Duplicate"/>
/// when its <see cref="FarmerFeedback.ClientId"/> was stored before (this is that first one; nothing was added).
/// </summary>
public sealed record AddedFeedback(Observation Observation, string? PhotoNotStored, bool Duplicate = false);

/// <summary>
/// Stores farmer feedback as an observation with no survey (<see cref="ObservationSource.FarmerFeedback"/>). Anyone can
/// send it, so the photo kept is a re-encoded copy (<see cref="PhotoReencoder"/>: small, upright, no metadata), decoded
/// under the process's <see cref="DecodeGate"/>, and only while today's <see cref="FeedbackPhotoQuota"/> allows.
/// </summary>
public sealed class FarmerFeedbackWriter(ObservationStore store, PhotoFiles files, FeedbackPhotoQuota quota, DecodeGate decodes,
    IOptions<FeedbackPhotoOptions> photoOptions, IOptions<FieldStoreOptions> storeOptions)
{
    /// <summary>
    /// Stores the re-encoded photo (content-addressed by the stored bytes, once) and the feedback; beyond the quota, the
    /// feedback alone. Throws <see cref="ImageDecodeException"/> for an unreadable photo and
    /// <see cref="FieldStoreValidationException"/> for bad fields.
    /// </summary>
    public async Task<AddedFeedback> AddFarmerFeedbackAsync(FarmerFeedback feedback, ReadOnlyMemory<byte> photo, CancellationToken ct)
    {
        var input = new ObservationInput
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
            Device = feedback.Device,
            ClientId = feedback.ClientId,
        };
        ObservationStore.Validate(input);
        if (feedback.ClientId is { } clientId && await store.FindByClientIdAsync(clientId, ct) is { } sent)
            return new AddedFeedback(sent, null, Duplicate: true); // a retried upload: no decode, no quota
        using var span = FieldStoreTelemetry.StartWrite("add feedback");
        // Taken-at comes from the photo as sent: the stored copy has no EXIF. (Its GPS is never used: UsePhotoPosition is off.)
        var exif = PhotoMetadata.Read(photo, storeOptions.Value.PhotoClockOffset);

        var refusal = await quota.RefusalAsync(ct);
        PhotoFile? file = null;
        if (refusal is null)
        {
            var o = photoOptions.Value;
            byte[] stored;
            // The slot is given back before SaveAsync takes one for the thumbnail: one at a time, never two.
            using (var reencode = FieldStoreTelemetry.Source.StartActivity(FieldStoreTelemetry.PhotoReencode))
            {
                try
                {
                    using (await decodes.EnterAsync(ct)) stored = PhotoReencoder.ToJpeg(photo.Span, o.MaxPhotoSide, o.JpegQuality, PhotoFiles.MaxPixels);
                }
                catch (ImageDecodeException e) { reencode.Failed(e); span.Failed(e); throw; }
            }
            file = await files.SaveAsync(stored, ct);
        }
        var added = await store.AddAsync(input, file, exif, ct);
        span?.SetTag(FieldStoreTelemetry.PhotoNew, file is not null);
        return added.Duplicate ? new AddedFeedback(added.Observation, null, Duplicate: true) : new AddedFeedback(added.Observation, refusal);
    }
}
