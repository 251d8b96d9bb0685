using CropVision.Core;
using CropVision.Core.Inference;
using CropVision.Core.Models;
using CropVision.Learning.Data;
using CropVision.Learning.Evaluation;

namespace CropVision.Learning.Heads.Stages;

/// <summary>The fitted outputs, the tasks they answer and the L2 strength (and val score) chosen for each.</summary>
internal sealed record FittedHeads(List<TaskSpec> Tasks, HeadParameters Parameters, Dictionary<string, double> Chosen);

/// <summary>
/// Stage 2 of <see cref="ModelTrainer"/>: one linear output per task (main stress, severity, stress flags, leaf or
/// not), each fitted only on the rows that carry it, with its L2 strength chosen on val.
/// </summary>
internal sealed class HeadFitting(TrainOptions o, TrainingFeatures f, ITrainingProgress progress, Action<string> info)
{
    private sealed record TrainRow(float[] Z, LabelledImage Image);

    private readonly LinearHeadTrainer trainer = new(o.Seed);
    private readonly List<TaskSpec> tasks = [];
    private readonly List<LinearOutput> outputs = [];
    private readonly Dictionary<string, double> chosen = [];
    private int fits;

    public FittedHeads Fit()
    {
        bool hasSeverity = f.TrainItems.Any(t => t.Image.Severity is not null);
        progress.Stage("Fitting heads", o.L2Grid.Count * (1 + (hasSeverity ? 1 : 0) + (f.FlagNames.Count > 0 ? 1 : 0) + (f.HasNegatives ? 1 : 0)));
        var stressRows = FitStress();
        if (hasSeverity) FitSeverity();
        if (f.FlagNames.Count > 0) FitFlags();
        if (f.HasNegatives) FitLeaf();
        MarkFramings(stressRows);
        return new FittedHeads(tasks, new HeadParameters(f.FeatureSize, f.Mean, f.InvStd, outputs, f.Centroids), chosen);
    }

    private TrainRow[] RowsWhere(Func<LabelledImage, bool> carries) =>
        [.. Enumerable.Range(0, f.ZTrain.Length).Where(r => carries(f.Train.Images[f.Train.ImageOf[r]])).Select(r => new TrainRow(f.ZTrain[r], f.Train.Images[f.Train.ImageOf[r]]))];

    private LinearOutput Select(string name, Func<float, LinearOutput> fit, Func<ModelOutput[], double> score)
    {
        LinearOutput? best = null;
        double bestScore = double.NegativeInfinity;
        foreach (var l2 in o.L2Grid)
        {
            var candidate = fit(l2);
            var head = new HeadParameters(f.FeatureSize, f.Mean, f.InvStd, [candidate], f.Centroids);
            double s = score(HeadEvaluator.Run(head, f.Val));
            info($"  {name}: L2 {l2} -> val {s:F4}");
            // Ties go to the stronger regularization (later in an ascending grid).
            if (s >= bestScore) { best = candidate; bestScore = s; chosen[$"{name}.l2"] = l2; chosen[$"{name}.val"] = s; }
            progress.Advance(++fits);
        }
        return best!;
    }

    private double Accuracy(ModelOutput[] outs, string output, Func<LabelledImage, int?> truth)
    {
        int n = 0, right = 0;
        for (int i = 0; i < outs.Length; i++)
            if (!f.Val.Images[i].Negative && truth(f.Val.Images[i]) is { } t) { n++; if (ClassificationMetrics.ArgMax(outs[i].Probabilities[output]) == t) right++; }
        return n == 0 ? 0 : right / (double)n;
    }

    private TrainRow[] FitStress()
    {
        var classes = f.Classes;
        var stressRows = RowsWhere(i => !i.Negative);
        var stressWeights = o.StressWeights == StressWeighting.FramingClass ? ModelTrainer.FramingClassWeights([.. stressRows.Select(r => (f.FramingOf[r.Image], r.Image.Class))]) : null;
        outputs.Add(Select(TaskNames.Stress,
            l2 => trainer.FitMulticlass(TaskNames.Stress, [.. stressRows.Select(r => r.Z)], [.. stressRows.Select(r => r.Image.Class)], classes, l2, stressWeights),
            outs => Accuracy(outs, TaskNames.Stress, img => classes.IndexOf(img.Class))));
        tasks.Add(new TaskSpec { Output = TaskNames.Stress, Kind = TaskSpec.SingleLabel, Labels = classes, Description = "The leaf's predominant stress (or healthy)." });
        return stressRows;
    }

    private void FitSeverity()
    {
        var rows = RowsWhere(i => i.Severity is not null);
        int grades = f.Labelled.SelectMany(s => s.Data.Images).Max(i => i.Severity ?? 0) + 1;
        var labels = Enumerable.Range(0, grades).Select(g => g.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        outputs.Add(Select(TaskNames.Severity,
            l2 => trainer.FitMulticlass(TaskNames.Severity, [.. rows.Select(r => r.Z)], [.. rows.Select(r => labels[r.Image.Severity!.Value])], labels, l2),
            outs => Accuracy(outs, TaskNames.Severity, img => img.Severity)));
        tasks.Add(new TaskSpec { Output = TaskNames.Severity, Kind = TaskSpec.SingleLabel, Labels = labels, Description = "Severity grade (0 = healthy ... highest = most of the leaf affected)." });
    }

    private bool CarriesFlags(LabelledImage i) => i.Flags is not null && f.FlagNames.All(i.Flags.ContainsKey);

    private void FitFlags()
    {
        var flagNames = f.FlagNames;
        var rows = RowsWhere(CarriesFlags);
        var valRows = f.Val.Images.Select((img, i) => (img, i)).Where(x => CarriesFlags(x.img)).ToList();
        outputs.Add(Select(TaskNames.Flags,
            l2 => trainer.FitMultiLabel(TaskNames.Flags, [.. rows.Select(r => r.Z)], [.. rows.Select(r => flagNames.Select(n => r.Image.Flags![n]).ToArray())], flagNames, l2),
            outs => MultiLabelMetrics.Compute(flagNames, [.. valRows.Select(x => flagNames.Select(n => x.img.Flags![n]).ToArray())], [.. valRows.Select(x => outs[x.i].Probabilities[TaskNames.Flags])]).MacroF1));
        tasks.Add(new TaskSpec { Output = TaskNames.Flags, Kind = TaskSpec.MultiLabel, Labels = flagNames, Description = "Every stress present on the leaf (a leaf can carry several)." });
    }

    private void FitLeaf()
    {
        // Leaf or not, on every row; chosen by the share of val non-leaves rejected at the calibrated threshold.
        var rows = RowsWhere(_ => true);
        var valFraming = f.ValFraming;
        outputs.Add(Select(TaskNames.Leaf,
            l2 => trainer.FitMultiLabel(TaskNames.Leaf, [.. rows.Select(r => r.Z)], [.. rows.Select(r => new[] { !r.Image.Negative })], ["leaf"], l2),
            outs =>
            {
                double below = ModelTrainer.LeafThreshold(outs, f.Val.Images, [.. valFraming.Select(x => (int)x)], o.LeafRejectQuantile, o.NotLeafRejectQuantile);
                var neg = Enumerable.Range(0, outs.Length).Where(i => f.Val.Images[i].Negative).ToList();
                return neg.Count(i => outs[i].Probabilities[TaskNames.Leaf][0] < below) / (double)Math.Max(1, neg.Count);
            }));
    }

    /// <summary>
    /// Outputs fitted on fewer framings than the main stress (severity and flags: whole leaves only) say so, and the
    /// service does not show them for photos of another framing (a close-up shows no leaf-wide severity).
    /// </summary>
    private void MarkFramings(TrainRow[] stressRows)
    {
        var stressFramings = stressRows.Select(r => f.FramingOf[r.Image]).Distinct().ToHashSet();
        for (int t = 1; t < tasks.Count; t++)
        {
            var output = tasks[t].Output;
            Func<LabelledImage, bool> carries = output == TaskNames.Severity ? i => i.Severity is not null : CarriesFlags;
            var framings = RowsWhere(carries).Select(r => f.FramingOf[r.Image]).Distinct().Order().ToList();
            if (framings.Count < stressFramings.Count) tasks[t] = tasks[t] with { Framings = framings };
        }
    }
}
