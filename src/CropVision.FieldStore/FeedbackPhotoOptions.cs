using System.ComponentModel.DataAnnotations;

namespace CropVision.FieldStore;

/// <summary>
/// "Feedback" section, the store's part: how an anonymous farmer's photo is kept. Anyone can send feedback, so the photo
/// is re-encoded small with no metadata, and a quota over all clients bounds what a day of feedback can put on disk.
/// (The same section's PermitLimit and WindowSeconds, the per-address rate limit, belong to the API.)
/// </summary>
public sealed class FeedbackPhotoOptions
{
    public const string Section = "Feedback";

    /// <summary>Longest side of a stored feedback photo, in pixels (larger photos are scaled down).</summary>
    [Range(64, 8192)]
    public int MaxPhotoSide { get; set; } = 1600;
    /// <summary>JPEG quality of the re-encoded photo.</summary>
    [Range(1, 100)]
    public int JpegQuality { get; set; } = 85;
    /// <summary>Feedback photo bytes stored per UTC day, all clients together; beyond it feedback is kept without its photo. 0 = no photo is kept.</summary>
    [Range(0, long.MaxValue)]
    public long MaxStoredBytesPerDay { get; set; } = 500L * 1024 * 1024;
    /// <summary>Feedback photos stored per UTC day, all clients together (the same rule as the bytes).</summary>
    [Range(0, int.MaxValue)]
    public int MaxStoredPhotosPerDay { get; set; } = 5000;
}
