using CropVision.Core.Models;
using CropVision.Core.Preprocessing;
using CropVision.Learning.Evaluation;
using CropVision.Learning.Heads;
using Onnx;

namespace CropVision.Learning.Calibration;

/// <summary>Photos to calibrate on: feature rows, and per photo its framing, source and whether the reject rules reject it (temperature does not change that).</summary>
public sealed record CalibrationSet(string Name, TrainingExamples Examples, IReadOnlyList<Framing> Framing, IReadOnlyList<string> Source, IReadOnlyList<bool> Rejected);

/// <summary>How "uncertain" is chosen: the accuracy target (default) or the older quantile of val leaves' top probability.</summary>
public enum UncertainRule { Accuracy, Quantile }

public sealed record UncertainOptions
{
    public UncertainRule Rule { get; init; } = UncertainRule.Accuracy;
    /// <summary>Answers with status ok should be right at least this often, on val and on the field proxy.</summary>
    public double Target { get; init; } = 0.90;
    /// <summary>Never leave fewer than this share of a framing's leaves answered ok; below it the target is reported unmet.</summary>
    public double MinCoverage { get; init; } = 0.20;
    public double Quantile { get; init; } = 0.10;
    /// <summary>Fit a temperature for the primary output (1 = none).</summary>
    public bool FitTemperature { get; init; } = true;
}

/// <summary>Accuracy of the answers with status ok, and the share of a group's leaves answered ok.</summary>
public sealed record OkFigures(string Group, int Leaves, double? OkAccuracy, double Coverage);

public sealed record UncertainResult(double Temperature, IReadOnlyDictionary<Framing, double> Thresholds, double Overall,
    IReadOnlyList<string> Notes, string Method);

/// <summary>
/// Fits the temperature of the primary output and the per-framing "uncertain" thresholds from a head graph's logits on
/// val and the field proxy; shared by training and <c>cropvision calibrate</c>.
/// </summary>
public static class UncertainFit
{
    /// <summary>Each photo's rows of primary-output logits (without any temperature), in the image order of the set.</summary>
    public static List<IReadOnlyList<float[]>> Logits(ModelProto head, string output, TrainingExamples examples)
    {
        var (mean, invStd, w, b) = HeadGraph.Linear(head, output);
        int d = mean.Length, k = b.Length;
        var byImage = Enumerable.Range(0, examples.Images.Count).Select(_ => new List<float[]>()).ToList();
        for (int r = 0; r < examples.Rows.Length; r++)
        {
            var x = examples.Rows[r];
            var z = new float[d];
            for (int j = 0; j < d; j++) z[j] = (x[j] - mean[j]) * invStd[j];
            var logits = new float[k];
            for (int c = 0; c < k; c++)
            {
                double s = b[c];
                for (int j = 0; j < d; j++) s += w[c * d + j] * z[j];
                logits[c] = (float)s;
            }
            byImage[examples.ImageOf[r]].Add(logits);
        }
        return [.. byImage.Select(x => (IReadOnlyList<float[]>)x)];
    }

    /// <summary>A set's leaves of known class: index, truth, logits.</summary>
    private static List<(int Index, int Truth, IReadOnlyList<float[]> Rows)> Leaves(CalibrationSet set, List<IReadOnlyList<float[]>> logits, IReadOnlyList<string> labels) =>
        [.. Enumerable.Range(0, set.Examples.Images.Count)
            .Where(i => !set.Examples.Images[i].Negative && labels.Contains(set.Examples.Images[i].Class) && logits[i].Count > 0)
            .Select(i => (i, labels.ToList().IndexOf(set.Examples.Images[i].Class), logits[i]))];

    public static UncertainResult Fit(ModelProto head, string output, IReadOnlyList<string> labels, IReadOnlyList<CalibrationSet> sets, UncertainOptions o, Action<string> info)
    {
        double baked = HeadGraph.Temperature(head, output);
        var logits = sets.Select(s => Logits(head, output, s.Examples)).ToList();
        var leaves = sets.Select((s, k) => Leaves(s, logits[k], labels)).ToList();
        double t = 1;
        if (o.FitTemperature)
        {
            var all = leaves.SelectMany(x => x).ToList();
            double before = ConfidenceCalibration.Nll([.. all.Select(x => x.Rows)], [.. all.Select(x => x.Truth)], baked);
            t = ConfidenceCalibration.FitTemperature([.. all.Select(x => x.Rows)], [.. all.Select(x => x.Truth)]);
            double after = ConfidenceCalibration.Nll([.. all.Select(x => x.Rows)], [.. all.Select(x => x.Truth)], t);
            info($"temperature {t:F3} (NLL on {all.Count} val and proxy leaves {before:F4} -> {after:F4})");
        }
        else t = baked;
        var answers = sets.Select((s, k) => Answers(s, leaves[k], t)).ToList();
        var notes = new List<string>();
        var framings = answers[0].Select(a => a.Framing).Distinct().Order().ToList();
        var thresholds = new Dictionary<Framing, double>();
        foreach (var framing in framings)
        {
            double chosen = 0;
            for (int k = 0; k < sets.Count; k++)
            {
                var group = answers[k].Where(a => a.Framing == framing).Select(a => (a.Top, a.Right)).ToList();
                if (group.Count == 0) continue;
                if (o.Rule == UncertainRule.Quantile)
                {
                    if (k == 0) chosen = ModelTrainer.Quantile([.. group.Where(a => a.Top >= 0).Select(a => a.Top)], o.Quantile);
                    continue;
                }
                var c = ConfidenceCalibration.Threshold(group, o.Target, o.MinCoverage);
                var line = $"{sets[k].Name}, {EvaluationReport.FramingName(framing)}: threshold {c.Threshold:F3} gives ok answers {c.Accuracy:P1} right at coverage {c.Coverage:P1} of {c.Answers} leaves";
                if (!c.Met) line += $" — target {o.Target:P0} NOT met above the {o.MinCoverage:P0} coverage floor";
                notes.Add(line);
                info(line);
                chosen = Math.Max(chosen, c.Threshold);
            }
            thresholds[framing] = chosen;
        }
        var overallGroup = answers[0].Select(a => (a.Top, a.Right)).ToList();
        double overall = o.Rule == UncertainRule.Quantile
            ? ModelTrainer.Quantile([.. overallGroup.Where(a => a.Top >= 0).Select(a => a.Top)], o.Quantile)
            : thresholds.Values.DefaultIfEmpty(0).Max();
        string method = o.Rule == UncertainRule.Quantile
            ? $"uncertain: top probability below the {o.Quantile:P1} quantile of val leaves of the photo's framing"
            : $"uncertain: per framing, the smallest top probability at which the answers at or above it (rejected counted as not ok) are >= {o.Target:P0} right " +
              $"on val and, separately, on the augmented val copies (field proxy), the larger of the two; never fewer than {o.MinCoverage:P0} of a group's leaves answered ok " +
              $"(where that floor binds the target is not met: see calibration notes); uncertainBelow (no framing known) is the largest of them";
        if (o.FitTemperature) method += $"; primary output temperature-scaled (T = {t:F3}, fitted by NLL on val and proxy leaves, baked into head.onnx as {HeadGraph.TemperatureName(output)})";
        return new UncertainResult(t, thresholds, overall, notes, method);
    }

    /// <summary>Per leaf: framing, source, top probability at T (-1 when rejected: never ok), whether the top class is right.</summary>
    private static List<(Framing Framing, string Source, double Top, bool Right, float[] P, int Truth)> Answers(CalibrationSet set, List<(int Index, int Truth, IReadOnlyList<float[]> Rows)> leaves, double t) =>
        [.. leaves.Select(x =>
        {
            var p = ConfidenceCalibration.Probabilities(x.Rows, t);
            int top = ClassificationMetrics.ArgMax(p);
            return (set.Framing[x.Index], set.Source[x.Index], set.Rejected[x.Index] ? -1.0 : p[top], !set.Rejected[x.Index] && top == x.Truth, p, x.Truth);
        })];

    /// <summary>Ok accuracy and coverage per set, per framing and per source, at a temperature and thresholds.</summary>
    public static List<OkFigures> Figures(ModelProto head, string output, IReadOnlyList<string> labels, IReadOnlyList<CalibrationSet> sets, double t, Func<Framing, double> threshold)
    {
        var rows = new List<OkFigures>();
        foreach (var set in sets)
        {
            var a = Answers(set, Leaves(set, Logits(head, output, set.Examples), labels), t);
            void Add(string name, IEnumerable<(Framing Framing, string Source, double Top, bool Right, float[] P, int Truth)> g)
            {
                var list = g.ToList();
                if (list.Count == 0) return;
                var ok = list.Where(x => x.Top >= 0 && x.Top >= threshold(x.Framing)).ToList();
                rows.Add(new OkFigures(name, list.Count, ok.Count == 0 ? null : ok.Count(x => x.Right) / (double)ok.Count, ok.Count / (double)list.Count));
            }
            Add(set.Name, a);
            foreach (var f in a.Select(x => x.Framing).Distinct().Order()) Add($"{set.Name}, {EvaluationReport.FramingName(f)}", a.Where(x => x.Framing == f));
            foreach (var s in a.Select(x => x.Source).Distinct().Order()) Add($"{set.Name}, {s}", a.Where(x => x.Source == s));
        }
        return rows;
    }

    /// <summary>Reliability bins of the primary output on every leaf of the sets at temperature T.</summary>
    public static ClassificationMetrics Reliability(ModelProto head, string output, IReadOnlyList<string> labels, IReadOnlyList<CalibrationSet> sets, double t)
    {
        var all = sets.SelectMany(s => Answers(s, Leaves(s, Logits(head, output, s.Examples), labels), t)).ToList();
        return ClassificationMetrics.Compute(labels, [.. all.Select(x => x.Truth)], [.. all.Select(x => x.P)]);
    }
}
