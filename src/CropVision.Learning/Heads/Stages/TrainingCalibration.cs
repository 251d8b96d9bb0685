using CropVision.Core;
using CropVision.Core.Inference;
using CropVision.Core.Models;
using CropVision.Core.Preprocessing;
using CropVision.Learning.Calibration;
using CropVision.Learning.Evaluation;

namespace CropVision.Learning.Heads.Stages;

/// <summary>The calibration thresholds, and the head's outputs on val photos and on augmented val copies.</summary>
internal sealed record CalibratedHead(CalibrationSpec Calibration, ModelOutput[] ValOut, ModelOutput[] ProxyOut, HeadParameters Parameters);

/// <summary>
/// Stage 3 of <see cref="ModelTrainer"/>: thresholds calibrated on val leaves (and non-leaves, and augmented val copies
/// where there are some) for the uncertain and rejected answers, and the rates of each on val.
/// </summary>
internal static class TrainingCalibration
{
    public static CalibratedHead Calibrate(TrainOptions o, TrainingFeatures f, FittedHeads heads, Action<string> info)
    {
        var val = f.Val;
        var proxy = f.Proxy;
        var valFraming = f.ValFraming;
        var valOut = HeadEvaluator.Run(heads.Parameters, val);
        var proxyOut = f.ValCopies.Count > 0 ? HeadEvaluator.Run(heads.Parameters, proxy) : [];
        var leafIdx = Enumerable.Range(0, valOut.Length).Where(i => !val.Images[i].Negative).ToList();
        // With learned negatives the distance rule is only a backstop: farther than every val leaf.
        bool hasNegatives = f.HasNegatives;
        double rejectQuantile = hasNegatives ? 1.0 : o.RejectQuantile;
        double rejectAbove = ModelTrainer.Quantile([.. leafIdx.Select(i => (double)valOut[i].Distance)], rejectQuantile);
        // The augmented val copies count as a third group of leaves (and of non-leaves), so field-like photos are calibrated for too.
        double? leafBelow = hasNegatives
            ? ModelTrainer.LeafThreshold([.. valOut, .. proxyOut], [.. val.Images, .. proxy.Images], [.. valFraming.Select(x => (int)x), .. proxyOut.Select(_ => 2)], o.LeafRejectQuantile, o.NotLeafRejectQuantile)
            : null;
        double? leafUncertainBelow = null;
        if (f.HasOtherCrops)
        {
            // Other crops' leaves get "uncertain"; "rejected" keeps to what is surely not a leaf (LeafBand).
            var otherSources = f.ValItems.Select(v => v.Source.OtherCrop).Concat(f.ValCopies.Select(v => v.Source.OtherCrop)).ToArray();
            var band = LeafBand.Fit([.. valOut, .. proxyOut], [.. val.Images, .. proxy.Images], [.. valFraming.Select(x => (int)x), .. proxyOut.Select(_ => 2)],
                i => otherSources[i], o.LeafRejectQuantile, o.NotLeafRejectQuantile);
            (leafBelow, leafUncertainBelow, rejectAbove) = (band.RejectBelow, band.UncertainBelow, Math.Max(rejectAbove, band.FarthestLeaf));
        }
        var rules = new CalibrationSpec { UncertainBelow = 0, RejectAbove = rejectAbove, LeafOutput = hasNegatives ? TaskNames.Leaf : null, LeafBelow = leafBelow, LeafUncertainBelow = leafUncertainBelow, Method = "" };
        bool NotOk(ModelOutput x) => Verdict.IsRejected(x, rules) || Verdict.MayBeAnotherCrop(x, rules);
        // Temperature and "uncertain" from the stress logits (rejection does not depend on them).
        var graph = HeadGraph.Build(heads.Parameters);
        var stressLabels = heads.Parameters.Outputs.Single(x => x.Name == TaskNames.Stress).Labels;
        var sets = new List<CalibrationSet> { new("val", val, valFraming, [.. f.ValItems.Select(v => v.Source.Name)], [.. valOut.Select(NotOk)]) };
        if (proxyOut.Length > 0)
            sets.Add(new("augmented val copies", proxy, [.. f.ValCopies.Select(v => v.Features.Framing)], [.. f.ValCopies.Select(v => v.Source.Name)], [.. proxyOut.Select(NotOk)]));
        var fit = UncertainFit.Fit(graph, TaskNames.Stress, stressLabels, sets, o.Uncertain with { Quantile = o.UncertainQuantile }, info);
        var parameters = heads.Parameters with { Outputs = [.. heads.Parameters.Outputs.Select(x => x.Name == TaskNames.Stress ? x with { Temperature = fit.Temperature } : x)] };
        if (fit.Temperature != 1)
        {
            valOut = HeadEvaluator.Run(parameters, val);
            proxyOut = proxyOut.Length > 0 ? HeadEvaluator.Run(parameters, proxy) : [];
        }
        var framingsSeen = leafIdx.Select(i => valFraming[i]).Distinct().Order().ToList();
        var calibration = rules with
        {
            UncertainBelow = fit.Overall,
            UncertainBelowBy = framingsSeen.Count > 1 ? fit.Thresholds : null,
            Temperature = fit.Temperature == 1 ? null : fit.Temperature,
            Notes = fit.Notes.Count > 0 ? fit.Notes : null,
            Method = fit.Method + "; " +
                     $"rejected: RMS distance (standardized features, mean over flips) to the nearest class centroid above the {rejectQuantile:P1} quantile of val leaves" +
                     (hasNegatives ? $", or the learned leaf probability ({TaskNames.Leaf}) below a threshold midway in log-odds between the {o.LeafRejectQuantile:P1} quantile of val leaves " +
                                     $"(of the group where that is lowest: whole leaves, close-ups, augmented copies of val photos) and the {o.NotLeafRejectQuantile:P1} quantile of val non-leaves (the leaf quantile alone where the two overlap)" : "") +
                     (leafUncertainBelow is { } u ? $"; with other crops' leaves (--other-crops): rejected below {leafBelow:F3}, the same rule at a {LeafBand.RejectLeafQuantile:P1} leaf quantile against the non-leaves alone, and uncertain (perhaps another crop's leaf) below {u:F3}, the rule above with every negative; the distance backstop at the farthest val leaf or augmented copy of one" : ""),
        };
        calibration = WithValRates(calibration, f, valOut, proxyOut, leafIdx);
        foreach (var (k, v) in calibration.ValRejectedBy!) info($"val rejected, {k}: {v:P1}");
        return new CalibratedHead(calibration, valOut, proxyOut, parameters);
    }

    /// <summary>The shares of val leaves (per framing), non-leaves and augmented copies that the calibration rejects or calls uncertain.</summary>
    private static CalibrationSpec WithValRates(CalibrationSpec calibration, TrainingFeatures f, ModelOutput[] valOut, ModelOutput[] proxyOut, List<int> leafIdx)
    {
        var val = f.Val;
        var proxy = f.Proxy;
        var valFraming = f.ValFraming;
        bool Rejected(int i) => Verdict.IsRejected(valOut[i], calibration);
        var rejectedBy = new Dictionary<string, double>();
        foreach (var framing in leafIdx.Select(i => valFraming[i]).Distinct().Order())
        {
            var members = leafIdx.Where(i => valFraming[i] == framing).ToList();
            rejectedBy[$"leaves, {EvaluationReport.FramingName(framing)}"] = members.Count(Rejected) / (double)members.Count;
        }
        var negIdx = Enumerable.Range(0, valOut.Length).Where(i => val.Images[i].Negative && !f.ValItems[i].Source.OtherCrop).ToList();
        if (negIdx.Count > 0) rejectedBy["not leaves"] = negIdx.Count(Rejected) / (double)negIdx.Count;
        var otherIdx = Enumerable.Range(0, valOut.Length).Where(i => f.ValItems[i].Source.OtherCrop).ToList();
        if (otherIdx.Count > 0) rejectedBy["other crops' leaves (val)"] = otherIdx.Count(Rejected) / (double)otherIdx.Count;
        if (proxyOut.Length > 0)
        {
            var copyLeaves = Enumerable.Range(0, proxyOut.Length).Where(i => !proxy.Images[i].Negative).ToList();
            var copyNegatives = Enumerable.Range(0, proxyOut.Length).Where(i => proxy.Images[i].Negative).ToList();
            rejectedBy["augmented val copies, leaves"] = copyLeaves.Count(i => Verdict.IsRejected(proxyOut[i], calibration)) / (double)Math.Max(1, copyLeaves.Count);
            if (copyNegatives.Count > 0) rejectedBy["augmented val copies, not leaves"] = copyNegatives.Count(i => Verdict.IsRejected(proxyOut[i], calibration)) / (double)copyNegatives.Count;
        }
        return calibration with
        {
            ValRejectedRate = leafIdx.Count(Rejected) / (double)leafIdx.Count,
            ValUncertainRate = leafIdx.Count(i => !Rejected(i) && (Verdict.MayBeAnotherCrop(valOut[i], calibration) || valOut[i].Probabilities[TaskNames.Stress].Max() < calibration.UncertainThreshold(valFraming[i]))) / (double)leafIdx.Count,
            ValRejectedBy = rejectedBy,
        };
    }
}
