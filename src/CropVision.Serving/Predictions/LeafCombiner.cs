using CropVision.Core.Inference;
using CropVision.Core.Models;
using CropVision.Core.Preprocessing;

namespace CropVision.Serving.Predictions;

/// <summary>One leaf's raw model output, as the combine rule needs it.</summary>
public sealed record LeafOutput(ModelOutput Output, Framing Framing, PredictionStatus Status);

/// <summary>
/// The combined diagnosis of several leaves, before names and advice: the primary output's probabilities, the status,
/// the severity index (into the severity task's labels; null when no used leaf has a severity), the other stresses'
/// probabilities, and which leaves were used (the indices of the leaves that are not rejected, or all when every one is).
/// </summary>
public sealed record CombinedOutput(
    float[] Probabilities, PredictionStatus Status, Framing Framing, int? SeverityIndex,
    IReadOnlyDictionary<string, float> OtherStresses, IReadOnlyList<int> Used);

/// <summary>
/// Several photos of leaves of one plant or plot, one answer (issue 17, item 3). The rule:
/// <list type="bullet">
/// <item>leaves the model rejects (not a leaf of this crop) are left out; if every leaf is rejected, the answer is
/// rejected (and the probabilities are combined over all of them, for the record);</item>
/// <item>the primary output's probabilities are the mean of the used leaves' log-probabilities, renormalised to sum to 1
/// (a geometric mean: a class one leaf rules out stays unlikely; each probability is floored at 1e-6 first);</item>
/// <item>the status comes from the combined probabilities with the same threshold as one leaf: uncertain below the
/// calibrated threshold of the used leaves' framing (where used leaves differ in framing, the strictest, i.e.
/// highest, of their thresholds);</item>
/// <item>severity is the worst (highest) grade among the used leaves that have one: the plot is treated by its worst
/// leaf, not an average that a few healthy leaves would dilute;</item>
/// <item>other stresses: the mean of the used leaves' multi-label probabilities, over the leaves whose framing that
/// output applies to.</item>
/// </list>
/// Every leaf must come from the same model (the same output sizes): mismatched sizes throw <see cref="ArgumentException"/>.
/// </summary>
public static class LeafCombiner
{
    public const float Floor = 1e-6f;

    public static CombinedOutput Combine(IReadOnlyList<LeafOutput> leaves, ModelManifest manifest)
    {
        ArgumentOutOfRangeException.ThrowIfZero(leaves.Count);
        var primary = manifest.PrimaryOutput;
        foreach (var task in manifest.Tasks)
        {
            foreach (var (leaf, i) in leaves.Select((l, i) => (l, i)))
            {
                if (!leaf.Output.Probabilities.TryGetValue(task.Output, out var p)) continue;
                if (p.Length != task.Labels.Count)
                    throw new ArgumentException($"Leaf {i}: output '{task.Output}' has {p.Length} values, the model's task has {task.Labels.Count}: leaves of different models cannot be combined.", nameof(leaves));
            }
        }
        if (leaves.Any(l => !l.Output.Probabilities.ContainsKey(primary)))
            throw new ArgumentException($"A leaf has no '{primary}' output.", nameof(leaves));

        var used = leaves.Select((l, i) => (l, i)).Where(x => x.l.Status != PredictionStatus.Rejected).Select(x => x.i).ToList();
        bool allRejected = used.Count == 0;
        if (allRejected) used = [.. Enumerable.Range(0, leaves.Count)];

        int classes = manifest.Task(primary).Labels.Count;
        var logMean = new double[classes];
        foreach (var i in used)
        {
            var p = leaves[i].Output.Probabilities[primary];
            for (int c = 0; c < classes; c++) logMean[c] += Math.Log(Math.Max(p[c], Floor)) / used.Count;
        }
        double max = logMean.Max();
        var exp = logMean.Select(v => Math.Exp(v - max)).ToArray();
        double sum = exp.Sum();
        var probabilities = exp.Select(v => (float)(v / sum)).ToArray();

        // The strictest threshold among the used leaves' framings (wide and close-up are calibrated apart).
        var framing = used.Select(i => leaves[i].Framing).Distinct()
            .OrderByDescending(f => manifest.Calibration.UncertainThreshold(f)).First();
        var status = allRejected ? PredictionStatus.Rejected
            : probabilities.Max() < manifest.Calibration.UncertainThreshold(framing) ? PredictionStatus.Uncertain
            : PredictionStatus.Ok;

        int? severity = null;
        if (manifest.Tasks.FirstOrDefault(t => t.Output == TaskNames.Severity) is { } sevTask)
        {
            foreach (var i in used)
            {
                var leaf = leaves[i];
                if (!sevTask.AppliesTo(leaf.Framing) || !leaf.Output.Probabilities.TryGetValue(sevTask.Output, out var s)) continue;
                int grade = Array.IndexOf(s, s.Max());
                if (severity is null || grade > severity) severity = grade;
            }
        }

        var others = new Dictionary<string, float>();
        foreach (var task in manifest.Tasks.Where(t => t.Kind == TaskSpec.MultiLabel))
        {
            var applying = used.Where(i => task.AppliesTo(leaves[i].Framing) && leaves[i].Output.Probabilities.ContainsKey(task.Output)).ToList();
            if (applying.Count == 0) continue;
            for (int c = 0; c < task.Labels.Count; c++)
                others[task.Labels[c]] = (float)applying.Average(i => leaves[i].Output.Probabilities[task.Output][c]);
        }
        return new CombinedOutput(probabilities, status, framing, severity, others, used);
    }
}
