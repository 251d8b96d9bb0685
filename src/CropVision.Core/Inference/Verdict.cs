using CropVision.Core.Models;

namespace CropVision.Core.Inference;

public enum PredictionStatus { Ok, Uncertain, Rejected }

public sealed record RankedLabel(string Label, float Probability);

/// <summary>How sure the model is, from thresholds calibrated on validation data and stored in the manifest.</summary>
public static class Verdict
{
    public static PredictionStatus Decide(ModelOutput output, ModelManifest manifest)
    {
        var cal = manifest.Calibration;
        if (output.Distance > cal.RejectAbove) return PredictionStatus.Rejected;
        return output.Probabilities[manifest.PrimaryOutput].Max() < cal.UncertainBelow ? PredictionStatus.Uncertain : PredictionStatus.Ok;
    }

    /// <summary>Labels of one output, most probable first.</summary>
    public static IReadOnlyList<RankedLabel> Ranked(ModelOutput output, TaskSpec task) =>
        [.. output.Probabilities[task.Output].Select((p, i) => new RankedLabel(task.Labels[i], p)).OrderByDescending(r => r.Probability)];
}
