using CropVision.FieldStore.Infrastructure;
using CropVision.FieldStore.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CropVision.FieldStore.Observations;

/// <summary>
/// Feedback:MaxStoredBytesPerDay and MaxStoredPhotosPerDay, over all clients: counted from the store (the feedback
/// photos first stored since UTC midnight), so the count survives restarts and holds for several processes sharing
/// one database. Requests checked at the same moment may each pass, so a day can end a few photos over.
/// </summary>
public sealed class FeedbackPhotoQuota(FieldStoreContext db, IOptions<FeedbackPhotoOptions> options, TimeProvider clock)
{
    /// <summary>Why today's quota takes no more feedback photos, or null while it does.</summary>
    public async Task<string?> RefusalAsync(CancellationToken ct)
    {
        var o = options.Value;
        var now = clock.GetUtcNow();
        var midnight = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        var today = db.Photos.AsNoTracking().Where(p => p.StoredAt >= midnight
            && db.Observations.Any(x => x.PhotoSha256 == p.Sha256 && x.Source == ObservationSource.FarmerFeedback));
        var used = await today.GroupBy(_ => 1).Select(g => new { Photos = g.Count(), Bytes = g.Sum(p => p.Length) }).FirstOrDefaultAsync(ct);
        var (photos, bytes) = (used?.Photos ?? 0, used?.Bytes ?? 0);
        if (bytes < o.MaxStoredBytesPerDay && photos < o.MaxStoredPhotosPerDay) return null;
        return $"Today's space for feedback photos is used up ({photos} photos, {bytes / (1024 * 1024.0):0.#} MB); " +
               "the verdict is kept without the photo. Photos are kept again from midnight UTC.";
    }
}
