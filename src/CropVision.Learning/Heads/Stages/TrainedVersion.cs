using System.Diagnostics;
using CropVision.Core.Models;
using CropVision.Learning.Augmentation;
using CropVision.Learning.Evaluation;
using Google.Protobuf;

namespace CropVision.Learning.Heads.Stages;

/// <summary>
/// Stage 4 of <see cref="ModelTrainer"/>: the head, manifest and validation report written as the crop's next version
/// through <see cref="ModelVersionWriter"/> (staged, then moved into place in one step; a failed run leaves nothing).
/// </summary>
internal static class TrainedVersion
{
    public static TrainResult Write(TrainOptions o, TrainingFeatures f, FittedHeads heads, CalibratedHead calibrated, Stopwatch clock, List<string> log, Action<string> info)
    {
        using var writer = ModelVersionWriter.Begin(o.OutFolder, "train");
        File.WriteAllBytes(Path.Combine(writer.StagingFolder, "head.onnx"), HeadGraph.Build(calibrated.Parameters).ToByteArray());
        if (o.FineTuned is { } tuned)
            foreach (var part in tuned.TailFiles) File.Copy(part, Path.Combine(writer.StagingFolder, Path.GetFileName(part)));
        var manifest = Manifest(o, f, heads, calibrated.Calibration, writer.Version, clock);
        var report = Report(o, f, manifest, calibrated, writer.Version);
        manifest = ModelTrainer.WriteWithValReport(manifest, report, writer.StagingFolder);
        if (writer.Commit() is { } kept) info(kept);
        var final = writer.FinalFolder;
        info($"wrote {final} in {clock.Elapsed.TotalSeconds:F0} s");
        return new TrainResult(final, manifest, report, f.Skipped, log);
    }

    private static ModelManifest Manifest(TrainOptions o, TrainingFeatures f, FittedHeads heads, CalibrationSpec calibration, int version, Stopwatch clock)
    {
        var leafItems = f.TrainItems.Where(t => !t.Image.Negative && t.Features.Copy == 0).Select(t => t.Image).Concat(f.ValItems.Where(v => !v.Image.Negative).Select(v => v.Image)).ToList();
        var fingerprints = f.Fingerprints;
        return new ModelManifest
        {
            Crop = o.Crop,
            Version = version,
            CreatedUtc = DateTimeOffset.UtcNow,
            TrainedOn = o.TrainedOn,
            Tasks = heads.Tasks,
            PrimaryOutput = TaskNames.Stress,
            Preprocessing = o.Preprocessing,
            Backbone = new BackboneSpec
            {
                File = Backbone.RelativePath, Sha256 = f.Backbone.Sha256(), Package = Backbone.Package, Layers = o.Layers, FeatureSize = f.FeatureSize,
                FineTunedTail = o.FineTuned is null ? null : [.. o.FineTuned.TailFiles.Select(Path.GetFileName).OfType<string>()],
                FineTunedDescription = o.FineTuned?.Description,
            },
            Calibration = calibration,
            Training = new TrainingInfo
            {
                DataFolder = string.Join("; ", f.Sources.Select(s => s.Data.Root)),
                DataFingerprint = fingerprints.Count == 1 ? fingerprints[0] : Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Join("\n", fingerprints)))),
                ImagesPerSplit = new Dictionary<string, int> { ["train"] = f.TrainItems.Count(t => t.Features.Copy == 0), ["val"] = f.ValItems.Count },
                ImagesPerClass = f.Classes.ToDictionary(c => c, c => leafItems.Count(i => i.Class == c)),
                SkippedImages = [.. f.Skipped.Select(s => s.RelativePath)],
                Hyperparameters = o.FineTuned is { } tuned ? heads.Chosen.Concat(tuned.Hyperparameters).ToDictionary() : heads.Chosen,
                Selection = $"Each task's L2 strength chosen from [{string.Join(", ", o.L2Grid)}] by its val score; head fitted on train only (each task on the rows that carry it); val also calibrates the thresholds. Backbone layers {string.Join("+", o.Layers)}, {o.Preprocessing.ViewCount} views per image.{(o.StressWeights == StressWeighting.FramingClass ? " Main-stress rows weighted so every framing x class pair has the same total weight." : "")}{(o.FineTuned is { } t ? " " + t.Selection : "")}",
                Seed = o.Seed,
                Seconds = Math.Round(clock.Elapsed.TotalSeconds, 1),
                Sources = f.SourceInfos,
                Augmentation = o.Augment > 0 ? $"{o.Augment} cached copy(ies) per training photo, seed {o.Seed}, each seen through its first flip's tiles: {Augmenter.RecipeFor(o.Preprocessing)}" : null,
            },
        };
    }

    /// <summary>The val report, with the augmented val copies (a field proxy) as extra groups where there are some.</summary>
    private static EvaluationReport Report(TrainOptions o, TrainingFeatures f, ModelManifest manifest, CalibratedHead calibrated, int version)
    {
        var scored = f.ValItems.Select((v, i) => new ScoredImage(v.Image, calibrated.ValOut[i], v.Source.Name, v.Features.Framing, v.Image.FullPath(v.Source.Data.Root))).ToList();
        var report = EvaluationReport.Build(manifest, $"{o.Crop}/{version}", manifest.Training.DataFolder, "val", scored, []);
        if (calibrated.ProxyOut.Length == 0) return report;
        var copies = f.ValCopies.Select((v, i) => new ScoredImage(v.Image, calibrated.ProxyOut[i], v.Source.Name, v.Features.Framing, v.Image.FullPath(v.Source.Data.Root))).ToList();
        var field = EvaluationReport.Build(manifest, report.Model, report.Data, "val copies", copies, []);
        return report with
        {
            Groups = [.. report.Groups, .. field.Groups.Select(g => g with { Name = $"augmented val copy (field proxy), {g.Name}" })],
            AugmentedNotLeafRejectedRate = field.NotLeafRejectedRate,
        };
    }
}
