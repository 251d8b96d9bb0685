using System.Diagnostics;
using CropVision.Core;
using CropVision.Core.Inference;
using CropVision.Core.Models;
using CropVision.Core.Preprocessing;
using CropVision.Learning.Data;
using CropVision.Learning.Evaluation;
using CropVision.Learning.Features;
using CropVision.Learning.Heads.Stages;

namespace CropVision.Learning.Heads;

public sealed record TrainOptions
{
    /// <summary>Labelled folders (class sub-folders, optionally labels.csv); each task is fitted on the rows that carry it.</summary>
    public required IReadOnlyList<string> DataFolders { get; init; }
    /// <summary>Folders of photos that are not leaves of this crop: they teach the "rejected" answer.</summary>
    public IReadOnlyList<string> NegativeFolders { get; init; } = [];
    /// <summary>
    /// Folders of other crops' leaves: negatives of the leaf output like <see cref="NegativeFolders"/>, calibrated apart
    /// (<see cref="Calibration.LeafBand"/>): such a leaf gets "uncertain", only what is surely not a leaf "rejected".
    /// </summary>
    public IReadOnlyList<string> OtherCropFolders { get; init; } = [];
    /// <summary>Augmented copies made of every training photo (seeded, cached); 0 turns augmentation off.</summary>
    public int Augment { get; init; }
    /// <summary>Model card: what the model was trained on, in English and Vietnamese.</summary>
    public LocalizedText? TrainedOn { get; init; }
    /// <summary>With negatives: the learned leaf score rejects at most this share of val leaves of each framing.</summary>
    public double LeafRejectQuantile { get; init; } = 0.02;
    /// <summary>With negatives: the learned leaf score aims to reject at least this share of val non-leaves.</summary>
    public double NotLeafRejectQuantile { get; init; } = 0.99;
    public required string Crop { get; init; }
    public required string OutFolder { get; init; }
    public IReadOnlyList<string> Layers { get; init; } = ["layer3", "layer4"];
    public PreprocessingSpec Preprocessing { get; init; } = new();
    /// <summary>L2 strengths tried for every task; the best on val wins.</summary>
    public IReadOnlyList<float> L2Grid { get; init; } = [4f, 16f, 64f, 256f];
    public int Seed { get; init; } = 42;
    public string? CacheRoot { get; init; } = FeatureCache.DefaultRoot;
    /// <summary>Main-stress rows weighted so every (framing, class) pair has the same say, or all rows alike.</summary>
    public StressWeighting StressWeights { get; init; } = StressWeighting.None;
    /// <summary>Top probabilities of val leaves below this quantile are "uncertain".</summary>
    public double UncertainQuantile { get; init; } = 0.10;
    /// <summary>How "uncertain" is chosen (accuracy target on val and proxy by default; the quantile rule for comparison) and whether a temperature is fitted.</summary>
    public Calibration.UncertainOptions Uncertain { get; init; } = new();
    /// <summary>Val leaves farther from every class centroid than this quantile are "rejected".</summary>
    public double RejectQuantile { get; init; } = 0.995;
    /// <summary>
    /// A backbone whose tail was fine-tuned before the heads (<c>train --fine-tune</c>): features come from it, and its
    /// tail file goes into the version. Null: the NuGet backbone as it is.
    /// </summary>
    public FineTunedBackbone? FineTuned { get; init; }
}

/// <param name="Backbone">The NuGet backbone with <paramref name="TailFiles"/> applied (as the service will load it).</param>
/// <param name="TailFiles">The tail's part files in order (<see cref="FineTunedTail"/>), copied into the version folder.</param>
/// <param name="Description">What the tail covers and how it is stored, for the manifest.</param>
/// <param name="Hyperparameters">The fine-tune's settings and results (epochs, val loss), merged into the manifest's.</param>
/// <param name="Selection">How the fine-tune chose (early stopping), appended to the manifest's selection text.</param>
public sealed record FineTunedBackbone(Backbone Backbone, IReadOnlyList<string> TailFiles, string Description, IReadOnlyDictionary<string, double> Hyperparameters, string Selection)
{
    /// <summary>
    /// What a feature cache key gains for a backbone with these tail part files ("" for none), keeping a fine-tuned
    /// backbone's features apart from the NuGet one's (same file, other weights); training and <c>calibrate</c> share it.
    /// </summary>
    public static string CacheKeySuffix(IReadOnlyList<string> tailFiles) => tailFiles.Count > 0 ? $"|fine-tuned tail {Hash(tailFiles)}" : "";

    /// <summary>SHA-256 over a tail's part files in order.</summary>
    private static string Hash(IReadOnlyList<string> files)
    {
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var file in files) sha.AppendData(File.ReadAllBytes(file));
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}

public enum StressWeighting { None, FramingClass }

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
/// The train command's work, in four stages: features for every photo (<see cref="TrainingFeatures"/>), one linear head
/// per task with its L2 strength chosen on val (<see cref="HeadFitting"/>), calibration thresholds from val
/// (<see cref="TrainingCalibration"/>), and a new version folder written atomically (<see cref="TrainedVersion"/>;
/// a failed run leaves nothing behind).
/// </summary>
public sealed class ModelTrainer(ITrainingProgress progress)
{
    public TrainResult Train(TrainOptions o, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        var log = new List<string>();
        void Info(string m) { log.Add(m); progress.Info(m); }
        o.Preprocessing.Validate();
        if (o.DataFolders.Count == 0) throw new DatasetException("Give at least one labelled --data folder.");
        if (o.Augment < 0) throw new DatasetException("--augment must be 0 or more.");

        // 1. Features (cached): every original, and o.Augment seeded copies of every training photo.
        var features = TrainingFeatures.Build(o, progress, Info, ct);
        // 2. One linear output per task, fitted only on the rows that carry it, L2 chosen on val.
        var heads = new HeadFitting(o, features, progress, Info).Fit();
        // 3. Thresholds calibrated on val leaves (and non-leaves).
        var calibrated = TrainingCalibration.Calibrate(o, features, heads, Info);
        // 4. Write the version folder next to its final place, then move it in one step.
        return TrainedVersion.Write(o, features, heads, calibrated, clock, log, Info);
    }

    /// <summary>
    /// One weight per row so that every (framing, class) pair carries the same total weight, and the mean weight is 1
    /// (the L2 strengths keep their meaning): a class that is rare among whole leaves is not drowned by its close-ups.
    /// </summary>
    public static float[] FramingClassWeights(IReadOnlyList<(Framing Framing, string Class)> rows)
    {
        var counts = rows.CountBy(r => r).ToDictionary();
        return [.. rows.Select(r => (float)(rows.Count / (double)(counts.Count * counts[r])))];
    }

    /// <summary>
    /// The leaf-probability threshold: at most <paramref name="leafQ"/> of val leaves of every framing fall below the
    /// leaf bound, and <paramref name="notLeafQ"/> of val non-leaves below the non-leaf bound. Where the bounds do not
    /// overlap the threshold sits midway between them in log-odds, as far from both as it can be, so that leaves unlike
    /// any val leaf (field photos) keep a margin; where they overlap, leaves come first.
    /// </summary>
    internal static double LeafThreshold(ModelOutput[] outs, IReadOnlyList<LabelledImage> images, int[] group, double leafQ, double notLeafQ)
    {
        double P(int i) => outs[i].Probabilities[TaskNames.Leaf][0];
        var leaves = Enumerable.Range(0, outs.Length).Where(i => !images[i].Negative).ToList();
        double leafBound = leaves.GroupBy(i => group[i]).Select(g => Quantile([.. g.Select(i => P(i))], leafQ)).DefaultIfEmpty(0).Min();
        var negatives = Enumerable.Range(0, outs.Length).Where(i => images[i].Negative).Select(P).ToArray();
        if (negatives.Length == 0) return leafBound;
        double notLeafBound = Quantile(negatives, notLeafQ);
        if (notLeafBound >= leafBound) return leafBound;
        static double Logit(double p) { p = Math.Clamp(p, 1e-6, 1 - 1e-6); return Math.Log(p / (1 - p)); }
        return 1 / (1 + Math.Exp(-(Logit(leafBound) + Logit(notLeafBound)) / 2));
    }

    /// <summary>
    /// Finishes a version folder (staged by <see cref="ModelVersionWriter"/>): the manifest with the val headline numbers
    /// under <c>metrics.val</c>, and the full report beside it. Returns the manifest as written.
    /// </summary>
    public static ModelManifest WriteWithValReport(ModelManifest manifest, EvaluationReport report, string folder)
    {
        var withMetrics = manifest with
        {
            Metrics = new Dictionary<string, System.Text.Json.JsonElement>
            {
                ["val"] = System.Text.Json.JsonSerializer.SerializeToElement(Summary(report), ModelManifest.Json),
            },
        };
        withMetrics.Write(folder);
        ReportWriter.Write(report, folder, $"{manifest.Crop} model version {manifest.Version}: validation report");
        return withMetrics;
    }

    /// <summary>The headline numbers kept in the manifest; the full report sits beside it.</summary>
    public static object Summary(EvaluationReport r) => new
    {
        r.Images, r.Accuracy, r.MacroF1, r.Ece, r.SeverityAccuracy, r.SeverityMae, r.StressFlagsMacroF1, r.UncertainRate, r.RejectedRate,
        PerClassRecall = r.Stress.PerClass.ToDictionary(c => c.Label, c => Math.Round(c.Recall, 4)),
        r.NotLeafImages, r.NotLeafRejectedRate, r.AugmentedNotLeafRejectedRate,
        Groups = r.Groups.Count > 0 ? r.Groups : null,
    };

    public static double Quantile(double[] values, double q)
    {
        if (values.Length == 0) return 0;
        var sorted = values.Order().ToArray();
        double pos = q * (sorted.Length - 1);
        int lo = (int)Math.Floor(pos), hi = (int)Math.Ceiling(pos);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }
}
