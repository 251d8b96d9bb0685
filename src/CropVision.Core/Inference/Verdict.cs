using CropVision.Core.Models;
using CropVision.Core.Preprocessing;

namespace CropVision.Core.Inference;

public enum PredictionStatus { Ok, Uncertain, Rejected }

public sealed record RankedLabel(string Label, float Probability);

/// <summary>How sure the model is, from thresholds calibrated on validation data and stored in the manifest.</summary>
public static class Verdict
{
    /// <summary>The status of a photo of the given framing (its "uncertain" threshold may differ per framing).</summary>
    public static PredictionStatus Decide(ModelOutput output, ModelManifest manifest, Framing framing)
    {
        var cal = manifest.Calibration;
        if (IsRejected(output, cal)) return PredictionStatus.Rejected;
        if (MayBeAnotherCrop(output, cal)) return PredictionStatus.Uncertain;
        return output.Probabilities[manifest.PrimaryOutput].Max() < cal.UncertainThreshold(framing) ? PredictionStatus.Uncertain : PredictionStatus.Ok;
    }

    /// <summary>A leaf probability in the band where other crops' leaves fall: not rejected, but not a confident answer.</summary>
    public static bool MayBeAnotherCrop(ModelOutput output, CalibrationSpec cal) =>
        cal is { LeafOutput: { } name, LeafUncertainBelow: { } below } && output.Probabilities.TryGetValue(name, out var p) && p[0] < below;

    /// <summary>The learned "not a leaf" rule, where the model has one.</summary>
    public static bool IsRejectedAsNotLeaf(ModelOutput output, CalibrationSpec cal) =>
        cal is { LeafOutput: { } name, LeafBelow: { } below } && output.Probabilities.TryGetValue(name, out var p) && p[0] < below;

    /// <summary>Whether the calibrated thresholds reject this output.</summary>
    public static bool IsRejected(ModelOutput output, CalibrationSpec cal) => output.Distance > cal.RejectAbove || IsRejectedAsNotLeaf(output, cal);

    /// <summary>Labels of one output, most probable first.</summary>
    public static IReadOnlyList<RankedLabel> Ranked(ModelOutput output, TaskSpec task) =>
        [.. output.Probabilities[task.Output].Select((p, i) => new RankedLabel(task.Labels[i], p)).OrderByDescending(r => r.Probability)];
}
