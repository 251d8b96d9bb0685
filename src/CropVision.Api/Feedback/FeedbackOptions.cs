namespace CropVision.Api.Feedback;

/// <summary>"Feedback" section: how many verdicts one client may send (per remote address, fixed window).</summary>
public sealed class FeedbackOptions
{
    public const string Section = "Feedback";
    /// <summary>Verdicts accepted per client per window; beyond it, 429 with Retry-After.</summary>
    public int PermitLimit { get; set; } = 20;
    public int WindowSeconds { get; set; } = 60;
}
