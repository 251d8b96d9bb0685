using CropVision.Core.Inference;

namespace CropVision.Learning.Evaluation;

/// <summary>
/// Chooses the early-exit threshold on val: the lowest of a grid at which answering from the first flip alone (when its
/// top probability reaches the threshold) is no worse than running every view, in main-stress accuracy, leaves
/// rejected and non-leaves rejected. Each threshold is scored exactly as <see cref="CropModel"/> would answer: the
/// first flip's outputs where confident, the all-flip average otherwise.
/// </summary>
public static class EarlyExitSelection
{
    public static readonly double[] Grid = [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.99];

    public sealed record Candidate(double ConfidentAbove, EvaluationReport Report, double PassesPerPhoto, bool NoWorse);

    /// <param name="firstFlip">Each val photo scored on its first flip's views only.</param>
    /// <param name="allFlips">The same photos, in the same order, scored on every view.</param>
    public static List<Candidate> Evaluate(Func<IReadOnlyList<ScoredImage>, EvaluationReport> report, IReadOnlyList<ScoredImage> firstFlip, IReadOnlyList<ScoredImage> allFlips,
        string primaryOutput, int tiles, int views)
    {
        var full = report(allFlips);
        var list = new List<Candidate>();
        foreach (var t in Grid)
        {
            var chosen = firstFlip.Zip(allFlips, (a, b) => a.Output.Probabilities[primaryOutput].Max() >= t ? a : b).ToList();
            int exits = chosen.Where((c, i) => ReferenceEquals(c, firstFlip[i])).Count();
            var r = report(chosen);
            bool noWorse = r.Accuracy >= full.Accuracy && (r.RejectedRate ?? 0) <= (full.RejectedRate ?? 0) && (r.NotLeafRejectedRate ?? 1) >= (full.NotLeafRejectedRate ?? 1);
            list.Add(new Candidate(t, r, (exits * tiles + (chosen.Count - exits) * views) / (double)chosen.Count, noWorse));
        }
        return list;
    }
}
