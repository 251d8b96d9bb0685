namespace CropVision.FieldStore.Model;

/// <summary>
/// A candidate model's answer to a live photo, run in shadow beside the serving version (after the farmer had the
/// answer), and whether the two agreed. Keyed by the photo's SHA-256, so it joins the photo's observation when the
/// farmer sends feedback or an officer uploads it; the photo itself is not kept for it.
/// </summary>
public sealed class ShadowAnswer
{
    public long Id { get; set; }
    public required string PhotoSha256 { get; set; }
    public required string Crop { get; set; }
    public int ServingVersion { get; set; }
    public required string ServingLabel { get; set; }
    public required string ServingStatus { get; set; }
    public double ServingConfidence { get; set; }
    public int ShadowVersion { get; set; }
    public required string ShadowLabel { get; set; }
    public required string ShadowStatus { get; set; }
    public double ShadowConfidence { get; set; }
    /// <summary>Same label and same status.</summary>
    public bool Agreed { get; set; }
    public DateTimeOffset At { get; set; }
}
