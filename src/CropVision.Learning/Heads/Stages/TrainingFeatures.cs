using CropVision.Core;
using CropVision.Core.Inference;
using CropVision.Core.Models;
using CropVision.Core.Preprocessing;
using CropVision.Learning.Augmentation;
using CropVision.Learning.Data;
using CropVision.Learning.Features;

namespace CropVision.Learning.Heads.Stages;

/// <summary>A labelled (or negatives) folder of one training run, with the name it goes by in logs and the manifest.</summary>
internal sealed record TrainingSource(string Name, LabelledDataset Data, bool OtherCrop = false);

/// <summary>A val photo (or augmented val copy) with its features and the folder it came from.</summary>
internal sealed record ValPhoto(LabelledImage Image, ImageFeatures Features, TrainingSource Source);

/// <summary>
/// Stage 1 of <see cref="ModelTrainer"/>: backbone features (cached) for every original and <c>Augment</c> seeded copies
/// of every training photo, the rows built from them, standardized, and the class centroids.
/// </summary>
internal sealed class TrainingFeatures
{
    public required List<TrainingSource> Sources { get; init; }
    public required List<TrainingSource> Labelled { get; init; }
    public required Backbone Backbone { get; init; }
    public required int FeatureSize { get; init; }
    public List<(LabelledImage Image, ImageFeatures Features)> TrainItems { get; } = [];
    /// <summary>Of each training row's photo or copy.</summary>
    public Dictionary<LabelledImage, Framing> FramingOf { get; } = new(ReferenceEqualityComparer.Instance);
    public List<ValPhoto> ValItems { get; } = [];
    public List<ValPhoto> ValCopies { get; } = [];
    public List<UnreadableImage> Skipped { get; } = [];
    public List<SourceInfo> SourceInfos { get; } = [];
    public List<string> Fingerprints { get; } = [];
    public List<string> Classes { get; private set; } = [];
    public List<string> FlagNames { get; private set; } = [];
    public bool HasNegatives => Sources.Count > Labelled.Count;
    public bool HasOtherCrops => Sources.Any(s => s.OtherCrop);
    public TrainingExamples Train { get; private set; } = null!;
    public TrainingExamples Val { get; private set; } = null!;
    public TrainingExamples Proxy { get; private set; } = null!;
    public float[] Mean { get; private set; } = [];
    public float[] InvStd { get; private set; } = [];
    public float[][] ZTrain { get; private set; } = [];
    public float[] Centroids { get; private set; } = [];
    public Framing[] ValFraming => [.. ValItems.Select(v => v.Features.Framing)];

    public static TrainingFeatures Build(TrainOptions o, ITrainingProgress progress, Action<string> info, CancellationToken ct)
    {
        var sources = LoadSources(o);
        var backbone = o.FineTuned?.Backbone ?? Backbone.Load();
        var f = new TrainingFeatures { Sources = sources, Labelled = sources.Where(s => !s.Data.IsNegatives).ToList(), Backbone = backbone, FeatureSize = Backbone.FeatureSize(o.Layers) };
        foreach (var s in sources)
            info($"{s.Name}: {s.Data.Images.Count} images in {s.Data.Classes.Count} classes ({string.Join(", ", s.Data.Classes)}); " +
                 $"train {s.Data.In(Split.Train).Count()}, val {s.Data.In(Split.Val).Count()}, test {s.Data.In(Split.Test).Count()} (test is never used here).");
        if (!f.Labelled.Any(s => s.Data.In(Split.Val).Any())) throw new DatasetException("No image is in the val split; choices and calibration need one. Give some rows split=val in labels.csv, or remove the split column.");

        using (var extractor = new FeatureExtractor(backbone, o.Layers, o.Preprocessing))
        {
            // A fine-tuned tail has the NuGet file's SHA-256 but other weights: its features are cached apart.
            var tag = FineTunedBackbone.CacheKeySuffix(o.FineTuned?.TailFiles ?? []);
            var cache = o.CacheRoot is null ? null : new FeatureCache(o.CacheRoot, FeatureExtractor.CacheKey(backbone, o.Layers, o.Preprocessing) + tag, extractor.FloatsPerImage);
            var copyCache = o.CacheRoot is null || o.Augment == 0 ? null
                : new FeatureCache(o.CacheRoot, FeatureExtractor.AugmentedCacheKey(backbone, o.Layers, o.Preprocessing, o.Seed) + tag, extractor.FloatsPerCopy);
            foreach (var source in sources) f.Extract(source, o, extractor, cache, copyCache, progress, info, ct);
        }
        f.BuildExamples(o, info);
        return f;
    }

    private void Extract(TrainingSource source, TrainOptions o, FeatureExtractor extractor, FeatureCache? cache, FeatureCache? copyCache, ITrainingProgress progress, Action<string> info, CancellationToken ct)
    {
        var used = source.Data.Images.Where(i => i.Split != Split.Test).ToList();
        var jobs = used.Select(i => new FeatureJob(i.RelativePath))
            .Concat(Enumerable.Range(1, o.Augment).SelectMany(k => used.Where(i => i.Split == Split.Train).Select(i => new FeatureJob(i.RelativePath, k))))
            // One copy of each val photo: a field-like proxy that is scored and calibrated on, never trained on.
            .Concat(o.Augment > 0 ? used.Where(i => i.Split == Split.Val).Select(i => new FeatureJob(i.RelativePath, 1)) : []).ToList();
        progress.Stage($"Backbone features: {source.Name}", jobs.Count);
        var (features, unreadable) = extractor.ExtractAll(source.Data.Root, jobs, cache, copyCache, o.Seed, progress.Advance, ct);
        foreach (var u in unreadable) info($"skipped unreadable image {source.Name}/{u.RelativePath}: {u.Reason}");
        Skipped.AddRange(unreadable.Select(u => u with { RelativePath = $"{source.Name}/{u.RelativePath}" }));
        var originals = features.Where(x => x.Copy == 0).ToDictionary(x => x.RelativePath);
        var byPath = used.ToDictionary(i => i.RelativePath);
        int copies = 0;
        foreach (var x in features)
        {
            var image = byPath[x.RelativePath];
            if (!originals.TryGetValue(x.RelativePath, out var original)) continue;
            if (x.Copy == 0 && image.Split == Split.Val) { ValItems.Add(new(image, x, source)); continue; }
            if (x.Copy == 0) { FramingOf[image] = x.Framing; TrainItems.Add((image, x)); continue; }
            // A close-up cut from a whole leaf shows its stress but not the leaf-wide severity and flags.
            var kind = Augmenter.KindOfCopy(o.Seed, original.Sha256, x.Copy, original.Framing, o.Preprocessing);
            var labels = kind == AugmentedKind.CloseUp ? image with { Severity = null, Flags = null } : image;
            if (image.Split == Split.Val) { ValCopies.Add(new(labels, x with { Framing = Augmenter.FramingOfCopy(kind, original.Framing) }, source)); continue; }
            if (!ReferenceEquals(labels, image)) FramingOf[labels] = Framing.CloseUp;
            else FramingOf.TryAdd(labels, original.Framing);
            TrainItems.Add((labels, x));
            copies++;
        }
        var fingerprint = source.Data.Fingerprint(originals.ToDictionary(kv => kv.Key, kv => kv.Value.Sha256));
        Fingerprints.Add(fingerprint);
        var kept = used.Where(i => originals.ContainsKey(i.RelativePath)).ToList();
        SourceInfos.Add(new SourceInfo
        {
            Name = source.Name, Folder = source.Data.Root, Fingerprint = fingerprint,
            Kind = source.OtherCrop ? "other crops" : source.Data.IsNegatives ? "negatives" : "labelled",
            ImagesPerSplit = new Dictionary<string, int> { ["train"] = kept.Count(i => i.Split == Split.Train), ["val"] = kept.Count(i => i.Split == Split.Val) },
            ImagesPerClass = kept.GroupBy(i => i.Class).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count()),
            Tasks = source.Data.IsNegatives ? [TaskNames.Leaf]
                : [TaskNames.Stress, .. source.Data.HasSeverity ? [TaskNames.Severity] : Array.Empty<string>(), .. source.Data.FlagNames.Count > 0 ? [TaskNames.Flags] : Array.Empty<string>(), .. HasNegatives ? [TaskNames.Leaf] : Array.Empty<string>()],
            AugmentedTrainImages = copies,
        });
    }

    private void BuildExamples(TrainOptions o, Action<string> info)
    {
        Classes = Labelled.SelectMany(s => s.Data.Classes).Distinct().Order(StringComparer.Ordinal).ToList();
        foreach (var cls in Classes.Where(c => !TrainItems.Any(p => !p.Image.Negative && p.Image.Class == c)))
            throw new DatasetException($"Class '{cls}' has no readable training image.");
        FlagNames = Labelled.SelectMany(s => s.Data.FlagNames).Distinct().ToList();
        if (HasNegatives && !ValItems.Any(v => v.Image.Negative)) throw new DatasetException("The negatives have no photo in val; calibration needs some.");

        int d = FeatureSize;
        var all = Enumerable.Range(0, d).ToArray();
        Train = TrainingExamples.Build(TrainItems, o.Preprocessing, d, all);
        Val = TrainingExamples.Build([.. ValItems.Select(v => (v.Image, v.Features))], o.Preprocessing, d, all);
        var proxy = TrainingExamples.Build([.. ValCopies.Select(v => (v.Image, v.Features))], o.Preprocessing, d, all);
        Proxy = new TrainingExamples { Rows = proxy.Rows, ImageOf = proxy.ImageOf, Images = proxy.Images, Flips = 1 }; // a copy has one row
        info($"{Train.Rows.Length} training rows ({TrainItems.Count} photos and copies), {ValItems.Count} val photos.");
        (Mean, InvStd) = Standardizer.Fit(Train.Rows);
        ZTrain = Standardizer.Apply(Train.Rows, Mean, InvStd);
        Centroids = ClassCentroids(ZTrain, Train, Classes);
    }

    private static List<TrainingSource> LoadSources(TrainOptions o)
    {
        var sources = new List<TrainingSource>();
        foreach (var (folder, negative, other) in o.DataFolders.Select(f => (f, false, false)).Concat(o.NegativeFolders.Select(f => (f, true, false)))
                     .Concat(o.OtherCropFolders.Select(f => (f, true, true))))
        {
            var data = negative ? LabelledDataset.LoadNegatives(folder, seed: o.Seed) : LabelledDataset.Load(folder, seed: o.Seed);
            var name = Path.GetFileName(data.Root.TrimEnd(Path.DirectorySeparatorChar));
            if (sources.Any(s => s.Data.Root == data.Root)) throw new DatasetException($"'{data.Root}' is given twice.");
            while (sources.Any(s => s.Name == name)) name += "'";
            sources.Add(new TrainingSource(name, data, other));
        }
        return sources;
    }

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
}
