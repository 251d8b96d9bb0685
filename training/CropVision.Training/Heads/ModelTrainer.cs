using CropVision.Core;
using System.Diagnostics;
using CropVision.Core.Inference;
using CropVision.Core.Models;
using CropVision.Core.Preprocessing;
using CropVision.Training.Data;
using CropVision.Training.Evaluation;
using CropVision.Training.Features;
using Google.Protobuf;

namespace CropVision.Training.Heads;

public sealed record TrainOptions
{
    public required string DataFolder { get; init; }
    public required string Crop { get; init; }
    public required string OutFolder { get; init; }
    public IReadOnlyList<string> Layers { get; init; } = ["layer3", "layer4"];
    public PreprocessingSpec Preprocessing { get; init; } = new();
    /// <summary>L2 strengths tried for every task; the best on val wins.</summary>
    public IReadOnlyList<float> L2Grid { get; init; } = [4f, 16f, 64f, 256f];
    public int Seed { get; init; } = 42;
    public string? CacheRoot { get; init; } = FeatureCache.DefaultRoot;
    /// <summary>Top probabilities of val leaves below this quantile are "uncertain".</summary>
    public double UncertainQuantile { get; init; } = 0.10;
    /// <summary>Val leaves farther from every class centroid than this quantile are "rejected".</summary>
    public double RejectQuantile { get; init; } = 0.995;
}

public sealed record TrainResult(string VersionFolder, ModelManifest Manifest, EvaluationReport ValReport, IReadOnlyList<UnreadableImage> Skipped, IReadOnlyList<string> Log);

/// <summary>Progress callbacks so the console can draw bars and tests can stay quiet.</summary>
public interface ITrainingProgress
{
    void Stage(string name, int total);
    void Advance(int done);
    void Info(string message);
}

public sealed class SilentProgress : ITrainingProgress
{
    public List<string> Messages { get; } = [];
    public void Stage(string name, int total) => Messages.Add(name);
    public void Advance(int done) { }
    public void Info(string message) => Messages.Add(message);
}

/// <summary>
/// The train command's work: features for every photo, one linear head per task with its L2 strength chosen on val,
/// calibration thresholds from val, and a new version folder written atomically (a failed run leaves nothing behind).
/// </summary>
public sealed class ModelTrainer(ITrainingProgress progress)
{
    public TrainResult Train(TrainOptions o, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        var log = new List<string>();
        void Info(string m) { log.Add(m); progress.Info(m); }
        o.Preprocessing.Validate();

        var dataset = LabelledDataset.Load(o.DataFolder, seed: o.Seed);
        var backbone = Backbone.Load();
        int d = Backbone.FeatureSize(o.Layers);
        Info($"{dataset.Images.Count} images in {dataset.Classes.Count} classes ({string.Join(", ", dataset.Classes)}); " +
             $"train {dataset.In(Split.Train).Count()}, val {dataset.In(Split.Val).Count()}, test {dataset.In(Split.Test).Count()} (test is never used here).");
        if (!dataset.In(Split.Val).Any()) throw new DatasetException("No image is in the val split; choices and calibration need one. Give some rows split=val in labels.csv, or remove the split column.");

        // 1. Features (cached).
        var used = dataset.Images.Where(i => i.Split != Split.Test).ToList();
        using var extractor = new FeatureExtractor(backbone, o.Layers, o.Preprocessing);
        var cache = o.CacheRoot is null ? null : new FeatureCache(o.CacheRoot, FeatureExtractor.CacheKey(backbone, o.Layers, o.Preprocessing), extractor.FloatsPerImage);
        progress.Stage("Backbone features", used.Count);
        var (features, skipped) = extractor.ExtractAll(dataset.Root, [.. used.Select(i => i.RelativePath)], cache, progress.Advance, ct);
        foreach (var s in skipped) Info($"skipped unreadable image {s.RelativePath}: {s.Reason}");
        var byPath = features.ToDictionary(f => f.RelativePath);
        List<(LabelledImage, ImageFeatures)> Pairs(Split s) => [.. used.Where(i => i.Split == s && byPath.ContainsKey(i.RelativePath)).Select(i => (i, byPath[i.RelativePath]))];
        var trainPairs = Pairs(Split.Train);
        var valPairs = Pairs(Split.Val);
        foreach (var cls in dataset.Classes.Where(c => !trainPairs.Any(p => p.Item1.Class == c)))
            throw new DatasetException($"Class '{cls}' has no readable training image.");

        var all = Enumerable.Range(0, d).ToArray();
        var train = TrainingExamples.Build(trainPairs, o.Preprocessing, d, all);
        var val = TrainingExamples.Build(valPairs, o.Preprocessing, d, all);
        var (mean, invStd) = Standardizer.Fit(train.Rows);
        var zTrain = Standardizer.Apply(train.Rows, mean, invStd);
        var centroids = ClassCentroids(zTrain, train, dataset.Classes);

        // 2. One linear output per task, L2 chosen on val.
        var trainer = new LinearHeadTrainer(o.Seed);
        var tasks = new List<TaskSpec>();
        var outputs = new List<LinearOutput>();
        var chosen = new Dictionary<string, double>();
        progress.Stage("Fitting heads", o.L2Grid.Count * (1 + (dataset.HasSeverity ? 1 : 0) + (dataset.FlagNames.Count > 0 ? 1 : 0)));
        int fits = 0;

        LinearOutput Select(string name, Func<float, LinearOutput> fit, Func<ModelOutput[], double> score)
        {
            LinearOutput? best = null;
            double bestScore = double.NegativeInfinity;
            foreach (var l2 in o.L2Grid)
            {
                var candidate = fit(l2);
                var head = new HeadParameters(d, mean, invStd, [candidate], centroids);
                double s = score(HeadEvaluator.Run(head, val));
                Info($"  {name}: L2 {l2} -> val {s:F4}");
                // Ties go to the stronger regularization (later in an ascending grid).
                if (s >= bestScore) { best = candidate; bestScore = s; chosen[$"{name}.l2"] = l2; chosen[$"{name}.val"] = s; }
                progress.Advance(++fits);
            }
            return best!;
        }

        double Accuracy(ModelOutput[] outs, string output, Func<LabelledImage, int?> truth)
        {
            int n = 0, right = 0;
            for (int i = 0; i < outs.Length; i++)
                if (truth(val.Images[i]) is { } t) { n++; if (ClassificationMetrics.ArgMax(outs[i].Probabilities[output]) == t) right++; }
            return n == 0 ? 0 : right / (double)n;
        }

        var classes = dataset.Classes;
        outputs.Add(Select(TaskNames.Stress,
            l2 => trainer.FitMulticlass(TaskNames.Stress, zTrain, [.. train.ImageOf.Select(i => train.Images[i].Class)], classes, l2),
            outs => Accuracy(outs, TaskNames.Stress, img => classes.IndexOf(img.Class))));
        tasks.Add(new TaskSpec { Output = TaskNames.Stress, Kind = TaskSpec.SingleLabel, Labels = classes, Description = "The leaf's predominant stress (or healthy)." });

        if (dataset.HasSeverity)
        {
            var rows = Enumerable.Range(0, zTrain.Length).Where(r => train.Images[train.ImageOf[r]].Severity is not null).ToArray();
            int grades = dataset.Images.Max(i => i.Severity ?? 0) + 1;
            var labels = Enumerable.Range(0, grades).Select(g => g.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
            outputs.Add(Select(TaskNames.Severity,
                l2 => trainer.FitMulticlass(TaskNames.Severity, [.. rows.Select(r => zTrain[r])], [.. rows.Select(r => labels[train.Images[train.ImageOf[r]].Severity!.Value])], labels, l2),
                outs => Accuracy(outs, TaskNames.Severity, img => img.Severity)));
            tasks.Add(new TaskSpec { Output = TaskNames.Severity, Kind = TaskSpec.SingleLabel, Labels = labels, Description = "Severity grade (0 = healthy ... highest = most of the leaf affected)." });
        }
        if (dataset.FlagNames.Count > 0)
        {
            var flags = dataset.FlagNames;
            var rows = Enumerable.Range(0, zTrain.Length).Where(r => train.Images[train.ImageOf[r]].Flags is not null).ToArray();
            var valRows = val.Images.Select((img, i) => (img, i)).Where(x => x.img.Flags is not null).ToList();
            outputs.Add(Select(TaskNames.Flags,
                l2 => trainer.FitMultiLabel(TaskNames.Flags, [.. rows.Select(r => zTrain[r])], [.. rows.Select(r => flags.Select(f => train.Images[train.ImageOf[r]].Flags![f]).ToArray())], flags, l2),
                outs => MultiLabelMetrics.Compute(flags, [.. valRows.Select(x => flags.Select(f => x.img.Flags![f]).ToArray())], [.. valRows.Select(x => outs[x.i].Probabilities[TaskNames.Flags])]).MacroF1));
            tasks.Add(new TaskSpec { Output = TaskNames.Flags, Kind = TaskSpec.MultiLabel, Labels = flags, Description = "Every stress present on the leaf (a leaf can carry several)." });
        }

        // 3. The head, and thresholds calibrated on val.
        var headParams = new HeadParameters(d, mean, invStd, outputs, centroids);
        var valOut = HeadEvaluator.Run(headParams, val);
        double uncertainBelow = Quantile([.. valOut.Select(v => (double)v.Probabilities[TaskNames.Stress].Max())], o.UncertainQuantile);
        double rejectAbove = Quantile([.. valOut.Select(v => (double)v.Distance)], o.RejectQuantile);

        // 4. Write the version folder next to its final place, then move it in one step.
        Directory.CreateDirectory(o.OutFolder);
        int version = NextVersion(o.OutFolder);
        var final = Path.Combine(o.OutFolder, version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var staging = Path.Combine(o.OutFolder, $".{version}.partial-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            File.WriteAllBytes(Path.Combine(staging, "head.onnx"), HeadGraph.Build(headParams).ToByteArray());
            var imageHashes = features.ToDictionary(f => f.RelativePath, f => f.Sha256);
            var manifest = new ModelManifest
            {
                Crop = o.Crop,
                Version = version,
                CreatedUtc = DateTimeOffset.UtcNow,
                Tasks = tasks,
                PrimaryOutput = TaskNames.Stress,
                Preprocessing = o.Preprocessing,
                Backbone = new BackboneSpec { File = Backbone.RelativePath, Sha256 = backbone.Sha256(), Package = Backbone.Package, Layers = o.Layers, FeatureSize = d },
                Calibration = new CalibrationSpec
                {
                    UncertainBelow = uncertainBelow,
                    RejectAbove = rejectAbove,
                    Method = $"uncertain: top probability below the {o.UncertainQuantile:P1} quantile of val leaves; " +
                             $"rejected: RMS distance (standardized features, mean over flips) to the nearest class centroid above the {o.RejectQuantile:P1} quantile of val leaves",
                    ValRejectedRate = valOut.Count(v => v.Distance > rejectAbove) / (double)valOut.Length,
                    ValUncertainRate = valOut.Count(v => v.Distance <= rejectAbove && v.Probabilities[TaskNames.Stress].Max() < uncertainBelow) / (double)valOut.Length,
                },
                Training = new TrainingInfo
                {
                    DataFolder = dataset.Root,
                    DataFingerprint = dataset.Fingerprint(imageHashes),
                    ImagesPerSplit = new Dictionary<string, int> { ["train"] = trainPairs.Count, ["val"] = valPairs.Count },
                    ImagesPerClass = classes.ToDictionary(c => c, c => trainPairs.Count(p => p.Item1.Class == c) + valPairs.Count(p => p.Item1.Class == c)),
                    SkippedImages = [.. skipped.Select(s => s.RelativePath)],
                    Hyperparameters = chosen,
                    Selection = $"Each task's L2 strength chosen from [{string.Join(", ", o.L2Grid)}] by its val score; head fitted on train only; val also calibrates the thresholds. Backbone layers {string.Join("+", o.Layers)}, {o.Preprocessing.ViewCount} views per image.",
                    Seed = o.Seed,
                    Seconds = Math.Round(clock.Elapsed.TotalSeconds, 1),
                },
            };
            var report = EvaluationReport.Build(manifest, $"{o.Crop}/{version}", dataset.Root, "val", [.. val.Images.Select((img, i) => (img, valOut[i]))], []);
            manifest = manifest with { Metrics = new Dictionary<string, System.Text.Json.JsonElement> { ["val"] = System.Text.Json.JsonSerializer.SerializeToElement(Summary(report), ModelManifest.Json) } };
            manifest.Write(staging);
            ReportWriter.Write(report, staging, $"{o.Crop} model version {version}: validation report");
            Directory.Move(staging, final);
            Info($"wrote {final} in {clock.Elapsed.TotalSeconds:F0} s");
            return new TrainResult(final, manifest, report, skipped, log);
        }
        catch
        {
            try { Directory.Delete(staging, recursive: true); } catch (IOException) { }
            throw;
        }
    }

    /// <summary>The headline numbers kept in the manifest; the full report sits beside it.</summary>
    public static object Summary(EvaluationReport r) => new
    {
        r.Images, r.Accuracy, r.MacroF1, r.Ece, r.SeverityAccuracy, r.SeverityMae, r.StressFlagsMacroF1, r.UncertainRate, r.RejectedRate,
        PerClassRecall = r.Stress.PerClass.ToDictionary(c => c.Label, c => Math.Round(c.Recall, 4)),
    };

    private static float[] ClassCentroids(float[][] z, TrainingExamples train, IReadOnlyList<string> classes)
    {
        int d = z[0].Length;
        var sums = new float[classes.Count * d];
        var counts = new int[classes.Count];
        for (int r = 0; r < z.Length; r++)
        {
            int c = classes.IndexOf(train.Images[train.ImageOf[r]].Class);
            counts[c]++;
            for (int j = 0; j < d; j++) sums[c * d + j] += z[r][j];
        }
        for (int c = 0; c < classes.Count; c++) for (int j = 0; j < d; j++) sums[c * d + j] /= Math.Max(1, counts[c]);
        return sums;
    }

    public static double Quantile(double[] values, double q)
    {
        if (values.Length == 0) return 0;
        var sorted = values.Order().ToArray();
        double pos = q * (sorted.Length - 1);
        int lo = (int)Math.Floor(pos), hi = (int)Math.Ceiling(pos);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }

    public static int NextVersion(string outFolder) =>
        Directory.GetDirectories(outFolder).Select(Path.GetFileName).Select(n => int.TryParse(n, out var v) ? v : 0).DefaultIfEmpty(0).Max() + 1;
}
