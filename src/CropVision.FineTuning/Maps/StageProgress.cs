namespace CropVision.FineTuning.Maps;

/// <summary>How far a long stage is, with a time estimate from the pace so far (null until one item is done).</summary>
public sealed record StageProgress(string Stage, int Done, int Total, TimeSpan Elapsed)
{
    public TimeSpan? Remaining => Done == 0 ? null : Elapsed / Done * (Total - Done);
}
