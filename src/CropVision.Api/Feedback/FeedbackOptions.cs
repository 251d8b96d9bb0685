namespace CropVision.Api.Feedback;

/// <summary>"Feedback" section: how many verdicts one client may send (per remote address, fixed window).</summary>
public sealed class FeedbackOptions
{
    public const string Section = "Feedback";
    /// <summary>Verdicts accepted per client per window; beyond it, 429 with Retry-After.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, int.MaxValue)]
    public int PermitLimit { get; set; } = 20;
    [System.ComponentModel.DataAnnotations.Range(1, int.MaxValue)]
    public int WindowSeconds { get; set; } = 60;
}
