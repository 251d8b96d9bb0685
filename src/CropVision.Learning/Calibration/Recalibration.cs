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
    /// <param name="otherCrops">
    /// Folders of other crops' leaves (the val split, as training split them): with a learned leaf output, "rejected"
    /// is recalibrated against <paramref name="negatives"/> alone (things that are not leaves), and the band between
    /// it and the leaves' own bound becomes "uncertain" (<see cref="CalibrationSpec.LeafUncertainBelow"/>), so a leaf
    /// of another crop gets no confident answer while an unusual leaf of this crop is not called "not a leaf".
    /// </param>
    public static RecalibrationResult Run(string versionFolder, ModelManifest manifest, IReadOnlyList<string> data, IReadOnlyList<string> negatives,
        IReadOnlyList<string> check, UncertainOptions o, string? cacheRoot, ITrainingProgress progress, CancellationToken ct, IReadOnlyList<string>? otherCrops = null)
    {
        otherCrops ??= [];
        var head = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(versionFolder, manifest.Head)));
        var spec = manifest.Preprocessing;
        var layers = manifest.Backbone.Layers;
        int seed = manifest.Training.Seed, d = manifest.Backbone.FeatureSize;
        // A fine-tuned version featurizes with its own tail (cached apart, as the trainer caches it).
        var backbone = ModelPackage.BackboneFor(versionFolder, manifest, Backbone.Load());
        var tail = Heads.FineTunedBackbone.CacheKeySuffix([.. (manifest.Backbone.FineTunedTail ?? []).Select(x => Path.Combine(versionFolder, x))]);
        var val = new List<(LabelledImage Image, ImageFeatures F, string Source)>();
        var others = new List<(LabelledImage Image, ImageFeatures F, string Source)>();
        var copies = new List<(LabelledImage Image, ImageFeatures F, string Source)>();
        var checks = new List<(LabelledImage Image, ImageFeatures F, string Source)>();
        using (var extractor = new FeatureExtractor(backbone, layers, spec))
        {
            var cache = cacheRoot is null ? null : new FeatureCache(cacheRoot, FeatureExtractor.CacheKey(backbone, layers, spec) + tail, extractor.FloatsPerImage);
            var copyCache = cacheRoot is null ? null : new FeatureCache(cacheRoot, FeatureExtractor.AugmentedCacheKey(backbone, layers, spec, seed) + tail, extractor.FloatsPerCopy);
            var sources = data.Select(x => (LabelledDataset.Load(x, seed: seed), 0))
                .Concat(negatives.Select(x => (LabelledDataset.LoadNegatives(x, seed: seed), 0)))
                .Concat(check.Select(x => (LabelledDataset.LoadNegatives(x, valFraction: 1, seed: seed), 1)))
                .Concat(otherCrops.Select(x => (LabelledDataset.LoadNegatives(x, seed: seed), 2)));
            foreach (var (set, sourceKind) in sources)
            {
                bool isCheck = sourceKind == 1, isOther = sourceKind == 2;
                var name = Path.GetFileName(set.Root.TrimEnd(Path.DirectorySeparatorChar));
                var used = isCheck ? set.Images.ToList() : set.Images.Where(i => i.Split == Split.Val).ToList();
                var jobs = used.Select(i => new FeatureJob(i.RelativePath)).Concat(isCheck || isOther ? [] : used.Select(i => new FeatureJob(i.RelativePath, 1))).ToList();
                progress.Stage($"Backbone features: {name}", jobs.Count);
                var (features, _) = extractor.ExtractAll(set.Root, jobs, cache, copyCache, seed, progress.Advance, ct);
                var byPath = used.ToDictionary(i => i.RelativePath);
                var originals = features.Where(x => x.Copy == 0).ToDictionary(x => x.RelativePath);
                foreach (var x in features)
                {
                    var image = byPath[x.RelativePath];
                    if (x.Copy == 0) { (isCheck ? checks : isOther ? others : val).Add((image, x, name)); continue; }
                    if (!originals.TryGetValue(x.RelativePath, out var original)) continue;
                    // As the trainer labels its proxy: a close-up cut from a whole leaf is a close-up.
                    var kind = Augmenter.KindOfCopy(seed, original.Sha256, x.Copy, original.Framing, spec);
                    copies.Add((image, x with { Framing = Augmenter.FramingOfCopy(kind, original.Framing) }, name));
                }
            }
        }
        var all = Enumerable.Range(0, d).ToArray();
        // Each group through the head once (the old head; the new one differs only by the temperature, scored below).
        TrainingExamples Examples(List<(LabelledImage Image, ImageFeatures F, string Source)> items, bool copy)
        {
            var ex = TrainingExamples.Build([.. items.Select(v => (v.Image, v.F))], spec, d, all);
            return copy ? new TrainingExamples { Rows = ex.Rows, ImageOf = ex.ImageOf, Images = ex.Images, Flips = 1 } : ex;
        }
        static ModelOutput[] Eval(ModelProto h, TrainingExamples ex) => ex.Rows.Length == 0 ? [] : HeadEvaluator.Run(h, ex);
        var (valEx, copyEx, otherEx, checkEx) = (Examples(val, false), Examples(copies, true), Examples(others, false), Examples(checks, false));
        var (valOut, copyOut) = (Eval(head, valEx), Eval(head, copyEx));
        var otherOut = Eval(head, otherEx);
        var rules = LeafRules(manifest, (valEx, valOut), (copyEx, copyOut), [.. val.Select(v => (int)v.F.Framing)], others.Count > 0 ? otherOut : null);
        // Not answered ok: rejected, or in the band where other crops' leaves fall.
        CalibrationSet Set(string name, List<(LabelledImage Image, ImageFeatures F, string Source)> items, TrainingExamples ex, ModelOutput[] outs) =>
            new(name, ex, [.. items.Select(v => v.F.Framing)], [.. items.Select(v => v.Source)], [.. outs.Select(x => Verdict.IsRejected(x, rules) || Verdict.MayBeAnotherCrop(x, rules))]);
        var sets = new List<CalibrationSet> { Set("val", val, valEx, valOut), Set("augmented val copies", copies, copyEx, copyOut) };
        var primary = manifest.PrimaryOutput;
        var labels = manifest.Task(primary).Labels;
        double oldT = HeadGraph.Temperature(head, primary);
        var before = UncertainFit.Figures(head, primary, labels, sets, oldT, manifest.Calibration.UncertainThreshold);
        var relBefore = UncertainFit.Reliability(head, primary, labels, sets, oldT);
        var fit = UncertainFit.Fit(head, primary, labels, sets, o, progress.Info);
        var calibration = rules with
        {
            UncertainBelow = fit.Overall,
            UncertainBelowBy = manifest.Calibration.UncertainBelowBy is null ? null : fit.Thresholds,
            Temperature = fit.Temperature == 1 ? null : fit.Temperature,
            Notes = fit.Notes,
            Method = fit.Method + (rules.LeafUncertainBelow is { } u
                ? $"; rejected: RMS distance above {rules.RejectAbove:F3} (the farthest val leaf or augmented copy of one), or the learned leaf probability ({rules.LeafOutput}) below {rules.LeafBelow:F3}: midway in log-odds between the 0.5% quantile of val leaves (of the group where that is lowest: whole leaves, close-ups, augmented copies) and the 99% quantile of val non-leaves (--negatives), the leaf quantile alone where the two overlap; uncertain (perhaps another crop's leaf) below {u:F3}: the same rule at the trainer's 2% leaf quantile with other crops' val leaves (--other-crops) among the non-leaves; {manifest.Crop}/{manifest.Version}'s calibration was: " + manifest.Calibration.Method
                : $"; rejected: unchanged from {manifest.Crop}/{manifest.Version}, whose calibration (its uncertain rule now replaced) was: " + manifest.Calibration.Method),
        };
        var after = UncertainFit.Figures(head, primary, labels, sets, fit.Temperature, calibration.UncertainThreshold);
        var relAfter = UncertainFit.Reliability(head, primary, labels, sets, fit.Temperature);
        var newHead = head.Clone();
        if (fit.Temperature != oldT) HeadGraph.WithTemperature(newHead, primary, fit.Temperature / oldT);
        var next = manifest with { Calibration = calibration };
        var otherNew = Eval(newHead, otherEx);
        calibration = WithMeasuredRates(calibration, next, (val, Eval(newHead, valEx)), (copies, Eval(newHead, copyEx)), (others, otherNew));

        // Photos of other crops sent as this crop: how many get an ok (confident) answer (and, for the val split of
        // --other-crops, how many are rejected), before and after.
        void OtherCropRows(List<(LabelledImage Image, ImageFeatures F, string Source)> items, ModelOutput[] oldOut, ModelOutput[] newOut, string what, bool withRejected)
        {
            if (items.Count == 0) return;
            var name = $"{string.Join("+", items.Select(v => v.Source).Distinct())}{what} (other crops, sent as {manifest.Crop})";
            foreach (var (list, outs, m) in new[] { (before, oldOut, manifest), (after, newOut, manifest with { Calibration = calibration }) })
            {
                var status = outs.Select((x, i) => Verdict.Decide(x, m, items[i].F.Framing)).ToList();
                list.Add(new OkFigures($"{name}: answered ok", outs.Length, null, status.Count(x => x == PredictionStatus.Ok) / (double)outs.Length));
                if (withRejected) list.Add(new OkFigures($"{name}: rejected", outs.Length, null, status.Count(x => x == PredictionStatus.Rejected) / (double)outs.Length));
            }
        }
        OtherCropRows(checks, Eval(head, checkEx), Eval(newHead, checkEx), "", withRejected: false);
        OtherCropRows(others, otherOut, otherNew, " val", withRejected: true);
        return new RecalibrationResult(fit, before, after, relBefore, relAfter, calibration, newHead);
    }

    /// <summary>The measured shares of the new calibration (val leaves rejected and uncertain; rejected per group), from the new head's outputs.</summary>
    private static CalibrationSpec WithMeasuredRates(CalibrationSpec calibration, ModelManifest next,
        (List<(LabelledImage Image, ImageFeatures F, string Source)> Items, ModelOutput[] Outs) val,
        (List<(LabelledImage Image, ImageFeatures F, string Source)> Items, ModelOutput[] Outs) copies,
        (List<(LabelledImage Image, ImageFeatures F, string Source)> Items, ModelOutput[] Outs) others)
    {
        static List<(bool Negative, Framing Framing, PredictionStatus Status)> Statuses(
            (List<(LabelledImage Image, ImageFeatures F, string Source)> Items, ModelOutput[] Outs) g, ModelManifest m) =>
            [.. g.Items.Select((v, i) => (v.Image.Negative, v.F.Framing, Verdict.Decide(g.Outs[i], m, v.F.Framing)))];
        var v = Statuses(val, next);
        var c = Statuses(copies, next);
        var o = Statuses(others, next);
        static double Share(IEnumerable<(bool Negative, Framing Framing, PredictionStatus Status)> xs, PredictionStatus s) =>
            xs.ToList() is { Count: > 0 } l ? l.Count(x => x.Status == s) / (double)l.Count : 0;
        var leaves = v.Where(x => !x.Negative).ToList();
        var by = new Dictionary<string, double>
        {
            ["leaves, wide (whole leaf)"] = Share(leaves.Where(x => x.Framing == Framing.Wide), PredictionStatus.Rejected),
            ["leaves, close-up"] = Share(leaves.Where(x => x.Framing == Framing.CloseUp), PredictionStatus.Rejected),
            ["not leaves"] = Share(v.Where(x => x.Negative), PredictionStatus.Rejected),
            ["augmented val copies, leaves"] = Share(c.Where(x => !x.Negative), PredictionStatus.Rejected),
            ["augmented val copies, not leaves"] = Share(c.Where(x => x.Negative), PredictionStatus.Rejected),
        };
        if (o.Count > 0) by["other crops' leaves (val)"] = Share(o, PredictionStatus.Rejected);
        return calibration with { ValRejectedRate = Share(leaves, PredictionStatus.Rejected), ValUncertainRate = Share(leaves, PredictionStatus.Uncertain), ValRejectedBy = by };
    }

    /// <summary>The version's rejection rules, or, given other crops' val leaves and a learned leaf output, <see cref="LeafBand"/>'s.</summary>
    private static CalibrationSpec LeafRules(ModelManifest manifest, (TrainingExamples Examples, ModelOutput[] Outs) val,
        (TrainingExamples Examples, ModelOutput[] Outs) copies, int[] valFraming, ModelOutput[]? others)
    {
        var cal = manifest.Calibration;
        if (others is null || cal.LeafOutput is null) return cal;
        ModelOutput[] outs = [.. val.Outs, .. copies.Outs, .. others];
        LabelledImage[] images = [.. val.Examples.Images, .. copies.Examples.Images, .. others.Select(_ => new LabelledImage("", "other crop", Split.Val, null, null, Negative: true))];
        int[] group = [.. valFraming, .. copies.Outs.Select(_ => 2), .. others.Select(_ => 3)];
        int firstOther = val.Outs.Length + copies.Outs.Length;
        var band = LeafBand.Fit(outs, images, group, i => i >= firstOther, LeafQuantile, NotLeafQuantile);
        return cal with { RejectAbove = Math.Max(cal.RejectAbove, band.FarthestLeaf), LeafBelow = band.RejectBelow, LeafUncertainBelow = band.UncertainBelow };
    }

    // The trainer's defaults (TrainOptions.LeafRejectQuantile, NotLeafRejectQuantile).
    private const double LeafQuantile = 0.02, NotLeafQuantile = 0.99;
}
