using CropVision.Core.Inference;
using CropVision.Learning.Data;
using CropVision.Learning.Heads;

namespace CropVision.Learning.Calibration;

/// <summary>
/// The learned leaf output's two thresholds once other crops' leaves are among the negatives: "rejected" by the
/// trainer's midway rule with the leaf quantile at <see cref="RejectLeafQuantile"/> against the non-leaves alone (only
/// what is surely not a leaf), and "uncertain" (perhaps another crop's leaf) up to the trainer's own rule with every
/// negative, other crops included. The distance backstop covers every leaf given (val leaves and their augmented
/// copies), so an int8 path does not push a leaf at the very edge over it. Used by <c>train --other-crops</c> and
/// <c>calibrate --other-crops</c>.
/// </summary>
public static class LeafBand
{
    public const double RejectLeafQuantile = 0.005;

    public sealed record Band(double RejectBelow, double? UncertainBelow, double FarthestLeaf);

    /// <param name="group">Per output: the group whose leaf quantile counts (framing, or augmented copies).</param>
    /// <param name="otherCrop">Whether a negative is another crop's leaf (rather than something that is not a leaf).</param>
    public static Band Fit(ModelOutput[] outs, IReadOnlyList<LabelledImage> images, int[] group, Func<int, bool> otherCrop, double leafQ, double notLeafQ)
    {
        var notOther = Enumerable.Range(0, outs.Length).Where(i => !images[i].Negative || !otherCrop(i)).ToList();
        double reject = ModelTrainer.LeafThreshold([.. notOther.Select(i => outs[i])], [.. notOther.Select(i => images[i])], [.. notOther.Select(i => group[i])], RejectLeafQuantile, notLeafQ);
        double uncertain = ModelTrainer.LeafThreshold(outs, images, group, leafQ, notLeafQ);
        double farthest = Enumerable.Range(0, outs.Length).Where(i => !images[i].Negative).Select(i => (double)outs[i].Distance).DefaultIfEmpty(0).Max();
        return new Band(reject, uncertain > reject ? uncertain : null, farthest);
    }
}
