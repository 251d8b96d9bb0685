using CropVision.Core;
using System.Diagnostics;
using CropVision.Core.Inference;
using CropVision.Core.Models;
using CropVision.Core.Preprocessing;
using CropVision.Learning.Augmentation;
using CropVision.Learning.Data;
using CropVision.Learning.Evaluation;
using CropVision.Learning.Features;
using Google.Protobuf;

namespace CropVision.Learning.Heads;

public sealed record TrainOptions
{
    /// <summary>Labelled folders (class sub-folders, optionally labels.csv); each task is fitted on the rows that carry it.</summary>
    public required IReadOnlyList<string> DataFolders { get; init; }
    /// <summary>Folders of photos that are not leaves of this crop: they teach the "rejected" answer.</summary>
    public IReadOnlyList<string> NegativeFolders { get; init; } = [];
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
    /// <summary>Val leaves farther from every class centroid than this quantile are "rejected".</summary>
    public double RejectQuantile { get; init; } = 0.995;
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
/// The train command's work: features for every photo, one linear head per task with its L2 strength chosen on val,
/// calibration thresholds from val, and a new version folder written atomically (a failed run leaves nothing behind).
/// </summary>
public sealed class ModelTrainer(ITrainingProgress progress)
{
    private sealed record Source(string Name, LabelledDataset Data);

    public TrainResult Train(TrainOptions o, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        var log = new List<string>();
        void Info(string m) { log.Add(m); progress.Info(m); }
        o.Preprocessing.Validate();
        if (o.DataFolders.Count == 0) throw new DatasetException("Give at least one labelled --data folder.");
        if (o.Augment < 0) throw new DatasetException("--augment must be 0 or more.");

        var sources = LoadSources(o);
        var labelled = sources.Where(s => !s.Data.IsNegatives).ToList();
        var backbone = Backbone.Load();
        int d = Backbone.FeatureSize(o.Layers);
        foreach (var s in sources)
            Info($"{s.Name}: {s.Data.Images.Count} images in {s.Data.Classes.Count} classes ({string.Join(", ", s.Data.Classes)}); " +
                 $"train {s.Data.In(Split.Train).Count()}, val {s.Data.In(Split.Val).Count()}, test {s.Data.In(Split.Test).Count()} (test is never used here).");
        if (!labelled.Any(s => s.Data.In(Split.Val).Any())) throw new DatasetException("No image is in the val split; choices and calibration need one. Give some rows split=val in labels.csv, or remove the split column.");

        // 1. Features (cached): every original, and o.Augment seeded copies of every training photo.
        using var extractor = new FeatureExtractor(backbone, o.Layers, o.Preprocessing);
        var cache = o.CacheRoot is null ? null : new FeatureCache(o.CacheRoot, FeatureExtractor.CacheKey(backbone, o.Layers, o.Preprocessing), extractor.FloatsPerImage);
        var copyCache = o.CacheRoot is null || o.Augment == 0 ? null
            : new FeatureCache(o.CacheRoot, FeatureExtractor.AugmentedCacheKey(backbone, o.Layers, o.Preprocessing, o.Seed), extractor.FloatsPerCopy);
        var trainItems = new List<(LabelledImage, ImageFeatures)>();
        var framingOf = new Dictionary<LabelledImage, Framing>(ReferenceEqualityComparer.Instance); // of each training row's photo or copy
        var valItems = new List<(LabelledImage Image, ImageFeatures Features, Source Source)>();
        var valCopies = new List<(LabelledImage Image, ImageFeatures Features, Source Source)>();
        var skipped = new List<UnreadableImage>();
        var sourceInfos = new List<SourceInfo>();
        var fingerprints = new List<string>();
        foreach (var source in sources)
        {
            var used = source.Data.Images.Where(i => i.Split != Split.Test).ToList();
            var jobs = used.Select(i => new FeatureJob(i.RelativePath))
                .Concat(Enumerable.Range(1, o.Augment).SelectMany(k => used.Where(i => i.Split == Split.Train).Select(i => new FeatureJob(i.RelativePath, k))))
                // One copy of each val photo: a field-like proxy that is scored and calibrated on, never trained on.
                .Concat(o.Augment > 0 ? used.Where(i => i.Split == Split.Val).Select(i => new FeatureJob(i.RelativePath, 1)) : []).ToList();
            progress.Stage($"Backbone features: {source.Name}", jobs.Count);
            var (features, unreadable) = extractor.ExtractAll(source.Data.Root, jobs, cache, copyCache, o.Seed, progress.Advance, ct);
            foreach (var u in unreadable) Info($"skipped unreadable image {source.Name}/{u.RelativePath}: {u.Reason}");
            skipped.AddRange(unreadable.Select(u => u with { RelativePath = $"{source.Name}/{u.RelativePath}" }));
            var originals = features.Where(f => f.Copy == 0).ToDictionary(f => f.RelativePath);
            var byPath = used.ToDictionary(i => i.RelativePath);
            int copies = 0;
            foreach (var f in features)
            {
                var image = byPath[f.RelativePath];
                if (!originals.TryGetValue(f.RelativePath, out var original)) continue;
                if (f.Copy == 0 && image.Split == Split.Val) { valItems.Add((image, f, source)); continue; }
                if (f.Copy == 0) { framingOf[image] = f.Framing; trainItems.Add((image, f)); continue; }
                // A close-up cut from a whole leaf shows its stress but not the leaf-wide severity and flags.
                var kind = Augmenter.KindOf(Augmenter.SeedFor(o.Seed, original.Sha256, f.Copy), original.Framing == Framing.Wide);
                var labels = kind == AugmentedKind.CloseUp ? image with { Severity = null, Flags = null } : image;
                if (image.Split == Split.Val) { valCopies.Add((labels, f with { Framing = kind == AugmentedKind.CloseUp ? Framing.CloseUp : original.Framing }, source)); continue; }
                if (!ReferenceEquals(labels, image)) framingOf[labels] = Framing.CloseUp;
                else framingOf.TryAdd(labels, original.Framing);
                trainItems.Add((labels, f));
                copies++;
            }
            var fingerprint = source.Data.Fingerprint(originals.ToDictionary(kv => kv.Key, kv => kv.Value.Sha256));
            fingerprints.Add(fingerprint);
            var kept = used.Where(i => originals.ContainsKey(i.RelativePath)).ToList();
            sourceInfos.Add(new SourceInfo
            {
                Name = source.Name, Folder = source.Data.Root, Fingerprint = fingerprint,
                Kind = source.Data.IsNegatives ? "negatives" : "labelled",
                ImagesPerSplit = new Dictionary<string, int> { ["train"] = kept.Count(i => i.Split == Split.Train), ["val"] = kept.Count(i => i.Split == Split.Val) },
                ImagesPerClass = kept.GroupBy(i => i.Class).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count()),
                Tasks = source.Data.IsNegatives ? [TaskNames.Leaf]
                    : [TaskNames.Stress, .. source.Data.HasSeverity ? [TaskNames.Severity] : Array.Empty<string>(), .. source.Data.FlagNames.Count > 0 ? [TaskNames.Flags] : Array.Empty<string>(), .. sources.Count > labelled.Count ? [TaskNames.Leaf] : Array.Empty<string>()],
                AugmentedTrainImages = copies,
            });
        }

        var classes = labelled.SelectMany(s => s.Data.Classes).Distinct().Order(StringComparer.Ordinal).ToList();
        foreach (var cls in classes.Where(c => !trainItems.Any(p => !p.Item1.Negative && p.Item1.Class == c)))
            throw new DatasetException($"Class '{cls}' has no readable training image.");
        var flagNames = labelled.SelectMany(s => s.Data.FlagNames).Distinct().ToList();
        bool hasNegatives = sources.Count > labelled.Count;
        if (hasNegatives && !valItems.Any(v => v.Image.Negative)) throw new DatasetException("The negatives have no photo in val; calibration needs some.");

        var all = Enumerable.Range(0, d).ToArray();
        var train = TrainingExamples.Build(trainItems, o.Preprocessing, d, all);
        var val = TrainingExamples.Build([.. valItems.Select(v => (v.Image, v.Features))], o.Preprocessing, d, all);
        var proxy = TrainingExamples.Build([.. valCopies.Select(v => (v.Image, v.Features))], o.Preprocessing, d, all);
        proxy = new TrainingExamples { Rows = proxy.Rows, ImageOf = proxy.ImageOf, Images = proxy.Images, Flips = 1 }; // a copy has one row
        Info($"{train.Rows.Length} training rows ({trainItems.Count} photos and copies), {valItems.Count} val photos.");
        var (mean, invStd) = Standardizer.Fit(train.Rows);
        var zTrain = Standardizer.Apply(train.Rows, mean, invStd);
        var centroids = ClassCentroids(zTrain, train, classes);

        // 2. One linear output per task, fitted only on the rows that carry it, L2 chosen on val.
        var trainer = new LinearHeadTrainer(o.Seed);
        var tasks = new List<TaskSpec>();
        var outputs = new List<LinearOutput>();
        var chosen = new Dictionary<string, double>();
        bool hasSeverity = trainItems.Any(t => t.Item1.Severity is not null);
        progress.Stage("Fitting heads", o.L2Grid.Count * (1 + (hasSeverity ? 1 : 0) + (flagNames.Count > 0 ? 1 : 0) + (hasNegatives ? 1 : 0)));
        int fits = 0;
        TrainRow[] RowsWhere(Func<LabelledImage, bool> carries) =>
            [.. Enumerable.Range(0, zTrain.Length).Where(r => carries(train.Images[train.ImageOf[r]])).Select(r => new TrainRow(zTrain[r], train.Images[train.ImageOf[r]]))];

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
                if (!val.Images[i].Negative && truth(val.Images[i]) is { } t) { n++; if (ClassificationMetrics.ArgMax(outs[i].Probabilities[output]) == t) right++; }
            return n == 0 ? 0 : right / (double)n;
        }

        var valFraming = valItems.Select(v => v.Features.Framing).ToArray();
        var stressRows = RowsWhere(i => !i.Negative);
        var stressWeights = o.StressWeights == StressWeighting.FramingClass ? FramingClassWeights([.. stressRows.Select(r => (framingOf[r.Image], r.Image.Class))]) : null;
        outputs.Add(Select(TaskNames.Stress,
            l2 => trainer.FitMulticlass(TaskNames.Stress, [.. stressRows.Select(r => r.Z)], [.. stressRows.Select(r => r.Image.Class)], classes, l2, stressWeights),
            outs => Accuracy(outs, TaskNames.Stress, img => classes.IndexOf(img.Class))));
        tasks.Add(new TaskSpec { Output = TaskNames.Stress, Kind = TaskSpec.SingleLabel, Labels = classes, Description = "The leaf's predominant stress (or healthy)." });

        if (hasSeverity)
        {
            var rows = RowsWhere(i => i.Severity is not null);
            int grades = labelled.SelectMany(s => s.Data.Images).Max(i => i.Severity ?? 0) + 1;
            var labels = Enumerable.Range(0, grades).Select(g => g.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
            outputs.Add(Select(TaskNames.Severity,
                l2 => trainer.FitMulticlass(TaskNames.Severity, [.. rows.Select(r => r.Z)], [.. rows.Select(r => labels[r.Image.Severity!.Value])], labels, l2),
                outs => Accuracy(outs, TaskNames.Severity, img => img.Severity)));
            tasks.Add(new TaskSpec { Output = TaskNames.Severity, Kind = TaskSpec.SingleLabel, Labels = labels, Description = "Severity grade (0 = healthy ... highest = most of the leaf affected)." });
        }
        if (flagNames.Count > 0)
        {
            bool Carries(LabelledImage i) => i.Flags is not null && flagNames.All(i.Flags.ContainsKey);
            var rows = RowsWhere(Carries);
            var valRows = val.Images.Select((img, i) => (img, i)).Where(x => Carries(x.img)).ToList();
            outputs.Add(Select(TaskNames.Flags,
                l2 => trainer.FitMultiLabel(TaskNames.Flags, [.. rows.Select(r => r.Z)], [.. rows.Select(r => flagNames.Select(f => r.Image.Flags![f]).ToArray())], flagNames, l2),
                outs => MultiLabelMetrics.Compute(flagNames, [.. valRows.Select(x => flagNames.Select(f => x.img.Flags![f]).ToArray())], [.. valRows.Select(x => outs[x.i].Probabilities[TaskNames.Flags])]).MacroF1));
            tasks.Add(new TaskSpec { Output = TaskNames.Flags, Kind = TaskSpec.MultiLabel, Labels = flagNames, Description = "Every stress present on the leaf (a leaf can carry several)." });
        }
        if (hasNegatives)
        {
            // Leaf or not, on every row; chosen by the share of val non-leaves rejected at the calibrated threshold.
            var rows = RowsWhere(_ => true);
            outputs.Add(Select(TaskNames.Leaf,
                l2 => trainer.FitMultiLabel(TaskNames.Leaf, [.. rows.Select(r => r.Z)], [.. rows.Select(r => new[] { !r.Image.Negative })], ["leaf"], l2),
                outs =>
                {
                    double below = LeafThreshold(outs, val.Images, [.. valFraming.Select(f => (int)f)], o.LeafRejectQuantile, o.NotLeafRejectQuantile);
                    var neg = Enumerable.Range(0, outs.Length).Where(i => val.Images[i].Negative).ToList();
                    return neg.Count(i => outs[i].Probabilities[TaskNames.Leaf][0] < below) / (double)Math.Max(1, neg.Count);
                }));
        }

        // Outputs fitted on fewer framings than the main stress (severity and flags: whole leaves only) say so, and
        // the service does not show them for photos of another framing (a close-up shows no leaf-wide severity).
        var stressFramings = stressRows.Select(r => framingOf[r.Image]).Distinct().ToHashSet();
        for (int t = 1; t < tasks.Count; t++)
        {
            var output = tasks[t].Output;
            Func<LabelledImage, bool> carries = output == TaskNames.Severity ? i => i.Severity is not null : i => i.Flags is not null && flagNames.All(i.Flags.ContainsKey);
            var framings = RowsWhere(carries).Select(r => framingOf[r.Image]).Distinct().Order().ToList();
            if (framings.Count < stressFramings.Count) tasks[t] = tasks[t] with { Framings = framings };
        }

        // 3. The head, and thresholds calibrated on val leaves (and non-leaves).
        var headParams = new HeadParameters(d, mean, invStd, outputs, centroids);
        var valOut = HeadEvaluator.Run(headParams, val);
        var proxyOut = valCopies.Count > 0 ? HeadEvaluator.Run(headParams, proxy) : [];
        var leafIdx = Enumerable.Range(0, valOut.Length).Where(i => !val.Images[i].Negative).ToList();
        double TopQuantile(IEnumerable<int> idx) => Quantile([.. idx.Select(i => (double)valOut[i].Probabilities[TaskNames.Stress].Max())], o.UncertainQuantile);
        double uncertainBelow = TopQuantile(leafIdx);
        // Per framing where photos of more than one framing were seen: each framing gets its own 10% quantile.
        var framingsSeen = leafIdx.Select(i => valFraming[i]).Distinct().Order().ToList();
        Dictionary<Framing, double>? uncertainBy = framingsSeen.Count > 1
            ? framingsSeen.ToDictionary(f => f, f => TopQuantile(leafIdx.Where(i => valFraming[i] == f)))
            : null;
        // With learned negatives the distance rule is only a backstop: farther than every val leaf.
        double rejectQuantile = hasNegatives ? 1.0 : o.RejectQuantile;
        double rejectAbove = Quantile([.. leafIdx.Select(i => (double)valOut[i].Distance)], rejectQuantile);
        // The augmented val copies count as a third group of leaves (and of non-leaves), so field-like photos are calibrated for too.
        double? leafBelow = hasNegatives
            ? LeafThreshold([.. valOut, .. proxyOut], [.. val.Images, .. proxy.Images], [.. valFraming.Select(f => (int)f), .. proxyOut.Select(_ => 2)], o.LeafRejectQuantile, o.NotLeafRejectQuantile)
            : null;
        var calibration = new CalibrationSpec
        {
            UncertainBelow = uncertainBelow,
            UncertainBelowBy = uncertainBy,
            RejectAbove = rejectAbove,
            LeafOutput = hasNegatives ? TaskNames.Leaf : null,
            LeafBelow = leafBelow,
            Method = $"uncertain: top probability below the {o.UncertainQuantile:P1} quantile of val leaves{(uncertainBy is null ? "" : " of the photo's framing (uncertainBelowBy; uncertainBelow over all val leaves is for callers that do not know the framing)")}; " +
                     $"rejected: RMS distance (standardized features, mean over flips) to the nearest class centroid above the {rejectQuantile:P1} quantile of val leaves" +
                     (hasNegatives ? $", or the learned leaf probability ({TaskNames.Leaf}) below a threshold midway in log-odds between the {o.LeafRejectQuantile:P1} quantile of val leaves " +
                                     $"(of the group where that is lowest: whole leaves, close-ups, augmented copies of val photos) and the {o.NotLeafRejectQuantile:P1} quantile of val non-leaves (the leaf quantile alone where the two overlap)" : ""),
        };
        bool Rejected(int i) => Verdict.IsRejected(valOut[i], calibration);
        var rejectedBy = new Dictionary<string, double>();
        foreach (var framing in leafIdx.Select(i => valFraming[i]).Distinct().Order())
        {
            var members = leafIdx.Where(i => valFraming[i] == framing).ToList();
            rejectedBy[$"leaves, {EvaluationReport.FramingName(framing)}"] = members.Count(Rejected) / (double)members.Count;
        }
        var negIdx = Enumerable.Range(0, valOut.Length).Where(i => val.Images[i].Negative).ToList();
        if (negIdx.Count > 0) rejectedBy["not leaves"] = negIdx.Count(Rejected) / (double)negIdx.Count;
        if (proxyOut.Length > 0)
        {
            var copyLeaves = Enumerable.Range(0, proxyOut.Length).Where(i => !proxy.Images[i].Negative).ToList();
            var copyNegatives = Enumerable.Range(0, proxyOut.Length).Where(i => proxy.Images[i].Negative).ToList();
            rejectedBy["augmented val copies, leaves"] = copyLeaves.Count(i => Verdict.IsRejected(proxyOut[i], calibration)) / (double)Math.Max(1, copyLeaves.Count);
            if (copyNegatives.Count > 0) rejectedBy["augmented val copies, not leaves"] = copyNegatives.Count(i => Verdict.IsRejected(proxyOut[i], calibration)) / (double)copyNegatives.Count;
        }
        calibration = calibration with
        {
            ValRejectedRate = leafIdx.Count(Rejected) / (double)leafIdx.Count,
            ValUncertainRate = leafIdx.Count(i => !Rejected(i) && valOut[i].Probabilities[TaskNames.Stress].Max() < calibration.UncertainThreshold(valFraming[i])) / (double)leafIdx.Count,
            ValRejectedBy = rejectedBy,
        };
        foreach (var (k, v) in rejectedBy) Info($"val rejected, {k}: {v:P1}");

        // 4. Write the version folder next to its final place, then move it in one step.
        using var writer = ModelVersionWriter.Begin(o.OutFolder, "train");
        int version = writer.Version;
        var staging = writer.StagingFolder;
        {
            File.WriteAllBytes(Path.Combine(staging, "head.onnx"), HeadGraph.Build(headParams).ToByteArray());
            var leafItems = trainItems.Where(t => !t.Item1.Negative && t.Item2.Copy == 0).Select(t => t.Item1).Concat(valItems.Where(v => !v.Image.Negative).Select(v => v.Image)).ToList();
            var manifest = new ModelManifest
            {
                Crop = o.Crop,
                Version = version,
                CreatedUtc = DateTimeOffset.UtcNow,
                TrainedOn = o.TrainedOn,
                Tasks = tasks,
                PrimaryOutput = TaskNames.Stress,
                Preprocessing = o.Preprocessing,
                Backbone = new BackboneSpec { File = Backbone.RelativePath, Sha256 = backbone.Sha256(), Package = Backbone.Package, Layers = o.Layers, FeatureSize = d },
                Calibration = calibration,
                Training = new TrainingInfo
                {
                    DataFolder = string.Join("; ", sources.Select(s => s.Data.Root)),
                    DataFingerprint = fingerprints.Count == 1 ? fingerprints[0] : Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Join("\n", fingerprints)))),
                    ImagesPerSplit = new Dictionary<string, int> { ["train"] = trainItems.Count(t => t.Item2.Copy == 0), ["val"] = valItems.Count },
                    ImagesPerClass = classes.ToDictionary(c => c, c => leafItems.Count(i => i.Class == c)),
                    SkippedImages = [.. skipped.Select(s => s.RelativePath)],
                    Hyperparameters = chosen,
                    Selection = $"Each task's L2 strength chosen from [{string.Join(", ", o.L2Grid)}] by its val score; head fitted on train only (each task on the rows that carry it); val also calibrates the thresholds. Backbone layers {string.Join("+", o.Layers)}, {o.Preprocessing.ViewCount} views per image.{(o.StressWeights == StressWeighting.FramingClass ? " Main-stress rows weighted so every framing x class pair has the same total weight." : "")}",
                    Seed = o.Seed,
                    Seconds = Math.Round(clock.Elapsed.TotalSeconds, 1),
                    Sources = sourceInfos,
                    Augmentation = o.Augment > 0 ? $"{o.Augment} cached copy(ies) per training photo, seed {o.Seed}, each seen through its first flip's tiles: {Augmenter.Recipe}" : null,
                },
            };
            var scored = valItems.Select((v, i) => new ScoredImage(v.Image, valOut[i], v.Source.Name, v.Features.Framing, v.Image.FullPath(v.Source.Data.Root))).ToList();
            var report = EvaluationReport.Build(manifest, $"{o.Crop}/{version}", manifest.Training.DataFolder, "val", scored, []);
            if (proxyOut.Length > 0)
            {
                var copies = valCopies.Select((v, i) => new ScoredImage(v.Image, proxyOut[i], v.Source.Name, v.Features.Framing, v.Image.FullPath(v.Source.Data.Root))).ToList();
                var field = EvaluationReport.Build(manifest, report.Model, report.Data, "val copies", copies, []);
                report = report with
                {
                    Groups = [.. report.Groups, .. field.Groups.Select(g => g with { Name = $"augmented val copy (field proxy), {g.Name}" })],
                    AugmentedNotLeafRejectedRate = field.NotLeafRejectedRate,
                };
            }
            manifest = manifest with { Metrics = new Dictionary<string, System.Text.Json.JsonElement> { ["val"] = System.Text.Json.JsonSerializer.SerializeToElement(Summary(report), ModelManifest.Json) } };
            manifest.Write(staging);
            ReportWriter.Write(report, staging, $"{o.Crop} model version {version}: validation report");
            if (writer.Commit() is { } kept) Info(kept);
            var final = writer.FinalFolder;
            Info($"wrote {final} in {clock.Elapsed.TotalSeconds:F0} s");
            return new TrainResult(final, manifest, report, skipped, log);
        }
    }

    private sealed record TrainRow(float[] Z, LabelledImage Image);

    /// <summary>
    /// One weight per row so that every (framing, class) pair carries the same total weight, and the mean weight is 1
    /// (the L2 strengths keep their meaning): a class that is rare among whole leaves is not drowned by its close-ups.
    /// </summary>
    public static float[] FramingClassWeights(IReadOnlyList<(Framing Framing, string Class)> rows)
    {
        var counts = rows.CountBy(r => r).ToDictionary();
        return [.. rows.Select(r => (float)(rows.Count / (double)(counts.Count * counts[r])))];
    }

    private static List<Source> LoadSources(TrainOptions o)
    {
        var sources = new List<Source>();
        foreach (var (folder, negative) in o.DataFolders.Select(f => (f, false)).Concat(o.NegativeFolders.Select(f => (f, true))))
        {
            var data = negative ? LabelledDataset.LoadNegatives(folder, seed: o.Seed) : LabelledDataset.Load(folder, seed: o.Seed);
            var name = Path.GetFileName(data.Root.TrimEnd(Path.DirectorySeparatorChar));
            if (sources.Any(s => s.Data.Root == data.Root)) throw new DatasetException($"'{data.Root}' is given twice.");
            while (sources.Any(s => s.Name == name)) name += "'";
            sources.Add(new Source(name, data));
        }
        return sources;
    }

    /// <summary>
    /// The leaf-probability threshold: at most <paramref name="leafQ"/> of val leaves of every framing fall below the
    /// leaf bound, and <paramref name="notLeafQ"/> of val non-leaves below the non-leaf bound. Where the bounds do not
    /// overlap the threshold sits midway between them in log-odds, as far from both as it can be, so that leaves unlike
    /// any val leaf (field photos) keep a margin; where they overlap, leaves come first.
    /// </summary>
    private static double LeafThreshold(ModelOutput[] outs, IReadOnlyList<LabelledImage> images, int[] group, double leafQ, double notLeafQ)
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

    /// <summary>The headline numbers kept in the manifest; the full report sits beside it.</summary>
    public static object Summary(EvaluationReport r) => new
    {
        r.Images, r.Accuracy, r.MacroF1, r.Ece, r.SeverityAccuracy, r.SeverityMae, r.StressFlagsMacroF1, r.UncertainRate, r.RejectedRate,
        PerClassRecall = r.Stress.PerClass.ToDictionary(c => c.Label, c => Math.Round(c.Recall, 4)),
        r.NotLeafImages, r.NotLeafRejectedRate, r.AugmentedNotLeafRejectedRate,
        Groups = r.Groups.Count > 0 ? r.Groups : null,
    };

    private static float[] ClassCentroids(float[][] z, TrainingExamples train, IReadOnlyList<string> classes)
    {
        int d = z[0].Length;
        var sums = new float[classes.Count * d];
        var counts = new int[classes.Count];
        for (int r = 0; r < z.Length; r++)
        {
            if (train.Images[train.ImageOf[r]].Negative) continue;
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
}
