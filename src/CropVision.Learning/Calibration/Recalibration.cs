using CropVision.Core.Inference;
using CropVision.Core.Models;
using CropVision.Core.Preprocessing;
using CropVision.Learning.Augmentation;
using CropVision.Learning.Data;
using CropVision.Learning.Evaluation;
using CropVision.Learning.Features;
using CropVision.Learning.Heads;
using Google.Protobuf;
using Onnx;

namespace CropVision.Learning.Calibration;

/// <summary>What <see cref="Recalibration.Run"/> measured: figures with the old and the new calibration, and reliability.</summary>
public sealed record RecalibrationResult(UncertainResult Fit, List<OkFigures> Before, List<OkFigures> After,
    ClassificationMetrics ReliabilityBefore, ClassificationMetrics ReliabilityAfter, CalibrationSpec Calibration, ModelProto Head);

/// <summary>
/// Recalibrates an existing version without refitting its heads: val photos and one seeded augmented copy of each
/// (the trainer's field proxy, same cache) through the version's own featurizer and head, then temperature and thresholds.
/// Figures come from the fp32 features (all views), the path training calibrates on.
/// </summary>
public static class Recalibration
{
    public static RecalibrationResult Run(string versionFolder, ModelManifest manifest, IReadOnlyList<string> data, IReadOnlyList<string> negatives,
        IReadOnlyList<string> check, UncertainOptions o, string? cacheRoot, ITrainingProgress progress, CancellationToken ct)
    {
        var head = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(versionFolder, manifest.Head)));
        var spec = manifest.Preprocessing;
        var layers = manifest.Backbone.Layers;
        int seed = manifest.Training.Seed, d = manifest.Backbone.FeatureSize;
        var backbone = Backbone.Load();
        var val = new List<(LabelledImage Image, ImageFeatures F, string Source)>();
        var copies = new List<(LabelledImage Image, ImageFeatures F, string Source)>();
        var checks = new List<(LabelledImage Image, ImageFeatures F, string Source)>();
        using (var extractor = new FeatureExtractor(backbone, layers, spec))
        {
            var cache = cacheRoot is null ? null : new FeatureCache(cacheRoot, FeatureExtractor.CacheKey(backbone, layers, spec), extractor.FloatsPerImage);
            var copyCache = cacheRoot is null ? null : new FeatureCache(cacheRoot, FeatureExtractor.AugmentedCacheKey(backbone, layers, spec, seed), extractor.FloatsPerCopy);
            var sources = data.Select(x => (LabelledDataset.Load(x, seed: seed), false))
                .Concat(negatives.Select(x => (LabelledDataset.LoadNegatives(x, seed: seed), false)))
                .Concat(check.Select(x => (LabelledDataset.LoadNegatives(x, valFraction: 1, seed: seed), true)));
            foreach (var (set, isCheck) in sources)
            {
                var name = Path.GetFileName(set.Root.TrimEnd(Path.DirectorySeparatorChar));
                var used = isCheck ? set.Images.ToList() : set.Images.Where(i => i.Split == Split.Val).ToList();
                var jobs = used.Select(i => new FeatureJob(i.RelativePath)).Concat(isCheck ? [] : used.Select(i => new FeatureJob(i.RelativePath, 1))).ToList();
                progress.Stage($"Backbone features: {name}", jobs.Count);
                var (features, _) = extractor.ExtractAll(set.Root, jobs, cache, copyCache, seed, progress.Advance, ct);
                var byPath = used.ToDictionary(i => i.RelativePath);
                var originals = features.Where(x => x.Copy == 0).ToDictionary(x => x.RelativePath);
                foreach (var x in features)
                {
                    var image = byPath[x.RelativePath];
                    if (x.Copy == 0) { (isCheck ? checks : val).Add((image, x, name)); continue; }
                    if (!originals.TryGetValue(x.RelativePath, out var original)) continue;
                    // As the trainer labels its proxy: a close-up cut from a whole leaf is a close-up.
                    var kind = Augmenter.KindOf(Augmenter.SeedFor(seed, original.Sha256, x.Copy), original.Framing == Framing.Wide, spec.FramingByContent);
                    copies.Add((image, x with { Framing = kind == AugmentedKind.CloseUp ? Framing.CloseUp : original.Framing }, name));
                }
            }
        }
        var all = Enumerable.Range(0, d).ToArray();
        CalibrationSet Set(string name, List<(LabelledImage Image, ImageFeatures F, string Source)> items, bool copy)
        {
            var ex = TrainingExamples.Build([.. items.Select(v => (v.Image, v.F))], spec, d, all);
            if (copy) ex = new TrainingExamples { Rows = ex.Rows, ImageOf = ex.ImageOf, Images = ex.Images, Flips = 1 };
            var outs = HeadEvaluator.Run(head, ex);
            return new CalibrationSet(name, ex, [.. items.Select(v => v.F.Framing)], [.. items.Select(v => v.Source)], [.. outs.Select(x => Verdict.IsRejected(x, manifest.Calibration))]);
        }
        var sets = new List<CalibrationSet> { Set("val", val, false), Set("augmented val copies", copies, true) };
        var primary = manifest.PrimaryOutput;
        var labels = manifest.Task(primary).Labels;
        double oldT = HeadGraph.Temperature(head, primary);
        var before = UncertainFit.Figures(head, primary, labels, sets, oldT, manifest.Calibration.UncertainThreshold);
        var relBefore = UncertainFit.Reliability(head, primary, labels, sets, oldT);
        var fit = UncertainFit.Fit(head, primary, labels, sets, o, progress.Info);
        var calibration = manifest.Calibration with
        {
            UncertainBelow = fit.Overall,
            UncertainBelowBy = manifest.Calibration.UncertainBelowBy is null ? null : fit.Thresholds,
            Temperature = fit.Temperature == 1 ? null : fit.Temperature,
            Notes = fit.Notes,
            Method = fit.Method + $"; rejected: unchanged from {manifest.Crop}/{manifest.Version}, whose calibration (its uncertain rule now replaced) was: " + manifest.Calibration.Method,
        };
        var after = UncertainFit.Figures(head, primary, labels, sets, fit.Temperature, calibration.UncertainThreshold);
        var relAfter = UncertainFit.Reliability(head, primary, labels, sets, fit.Temperature);
        var newHead = head.Clone();
        if (fit.Temperature != oldT) HeadGraph.WithTemperature(newHead, primary, fit.Temperature / oldT);
        if (checks.Count > 0)
        {
            // Photos of other crops sent as this crop: how many get an ok (confident) answer, before and after.
            var ex = TrainingExamples.Build([.. checks.Select(v => (v.Image, v.F))], spec, d, all);
            var oldOut = HeadEvaluator.Run(head, ex);
            var newOut = HeadEvaluator.Run(newHead, ex);
            var framing = checks.Select(v => v.F.Framing).ToList();
            var name = string.Join("+", checks.Select(v => v.Source).Distinct());
            int okBefore = Enumerable.Range(0, oldOut.Length).Count(i => Verdict.Decide(oldOut[i], manifest, framing[i]) == PredictionStatus.Ok);
            int okAfter = Enumerable.Range(0, newOut.Length).Count(i => Verdict.Decide(newOut[i], manifest with { Calibration = calibration }, framing[i]) == PredictionStatus.Ok);
            before.Add(new OkFigures($"{name} (other crops, sent as {manifest.Crop}): answered ok", oldOut.Length, null, okBefore / (double)oldOut.Length));
            after.Add(new OkFigures($"{name} (other crops, sent as {manifest.Crop}): answered ok", newOut.Length, null, okAfter / (double)newOut.Length));
        }
        return new RecalibrationResult(fit, before, after, relBefore, relAfter, calibration, newHead);
    }
}
