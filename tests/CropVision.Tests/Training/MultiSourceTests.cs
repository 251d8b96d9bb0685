using CropVision.Core.Inference;
using CropVision.Core.Models;
using CropVision.Core.Preprocessing;
using CropVision.Learning.Data;
using CropVision.Learning.Evaluation;
using CropVision.Learning.Heads;
using CropVision.Tests.Support;

namespace CropVision.Tests.Training;

/// <summary>Training from several folders at once: whole leaves with severity, close-ups without, and non-leaves.</summary>
[Trait("Category", "Training")]
public class MultiSourceTests
{
    private static TrainOptions Options(TempFolder tmp, string leaves, string closeUps, string negatives, int augment = 1) => new()
    {
        DataFolders = [leaves, closeUps], NegativeFolders = [negatives], Crop = "coffee",
        OutFolder = tmp.Sub("models", "coffee"), CacheRoot = tmp.Sub("cache"), Layers = ["layer4"], L2Grid = [1f, 16f],
        Preprocessing = new PreprocessingSpec { Flips = [Flip.None, Flip.Both], CloseUpBelowAspect = 1.5 }, Augment = augment,
        TrainedOn = new LocalizedText("Synthetic leaves", "Lá tổng hợp"),
    };

    [Fact]
    public void Three_sources_train_one_model_with_tasks_fitted_on_the_rows_that_carry_them()
    {
        using var tmp = new TempFolder();
        var leaves = SyntheticDataset.Write(tmp.Sub("leaves"), perClass: 6);
        var closeUps = SyntheticDataset.WriteCloseUps(tmp.Sub("closeups"), perClass: 6);
        var negatives = SyntheticDataset.WriteNegatives(tmp.Sub("flowers"), count: 15);
        var result = new ModelTrainer(new SilentProgress()).Train(Options(tmp, leaves, closeUps, negatives));
        var m = ModelManifest.Read(result.VersionFolder);

        // Every source is named with its fingerprint, counts and the tasks its rows were fitted on.
        var sources = m.Training.Sources!;
        Assert.Equal(["leaves", "closeups", "flowers"], sources.Select(s => s.Name));
        Assert.All(sources, s => Assert.Equal(64, s.Fingerprint.Length));
        Assert.Equal([TaskNames.Stress, TaskNames.Severity, TaskNames.Flags, TaskNames.Leaf], sources[0].Tasks);
        Assert.Equal([TaskNames.Stress, TaskNames.Leaf], sources[1].Tasks);
        Assert.Equal([TaskNames.Leaf], sources[2].Tasks);
        Assert.Equal(12, sources[1].ImagesPerSplit["train"]);
        Assert.Equal(12, sources[2].ImagesPerSplit["train"]);
        Assert.Equal(12 + 12 + 12, sources.Sum(s => s.AugmentedTrainImages));
        Assert.Equal("Lá tổng hợp", m.TrainedOn!.Vi);
        Assert.NotNull(m.Training.Augmentation);

        // The leaf score is an output of the head, not a task shown to users; stress has no "not-leaf" class.
        Assert.Equal(["healthy", "phoma", "rust"], m.Task(TaskNames.Stress).Labels);
        Assert.DoesNotContain(m.Tasks, t => t.Output == TaskNames.Leaf);
        Assert.Equal(TaskNames.Leaf, m.Calibration.LeafOutput);
        // Severity and flags were learned on whole leaves only, so they say so (and are not shown for close-ups).
        Assert.Null(m.Task(TaskNames.Stress).Framings);
        Assert.Equal([Framing.Wide], m.Task(TaskNames.Severity).Framings);
        Assert.Equal([Framing.Wide], m.Task(TaskNames.Flags).Framings);

        // Val of every source apart and together; framing apart; non-leaves apart.
        var r = result.ValReport;
        Assert.Equal(6 + 6, r.Images); // leaves; the non-leaves are counted apart
        Assert.Contains(r.Groups, g => g.Name == "source leaves" && g.Images == 6 && g.SeverityAccuracy is not null);
        Assert.Contains(r.Groups, g => g.Name == "source closeups" && g.Images == 6 && g.SeverityAccuracy is null);
        Assert.Contains(r.Groups, g => g.Name == "framing close-up" && g.Images == 6);
        Assert.Contains(r.Groups, g => g.Name == "framing wide (whole leaf)" && g.Images == 6);
        Assert.Equal(3, r.NotLeafImages);
        // Severity is scored only on the leaves that carry it.
        Assert.Equal(6, r.Severity!.Count);
        Assert.True(File.Exists(Path.Combine(result.VersionFolder, "report.html")));
        Assert.Contains("Per source and per framing", File.ReadAllText(Path.Combine(result.VersionFolder, "report.html")));
    }

    [Fact]
    public void Framing_class_weights_give_every_pair_the_same_total_and_average_one()
    {
        (Framing, string)[] rows = [(Framing.Wide, "cercospora"), (Framing.Wide, "rust"), (Framing.Wide, "rust"), (Framing.Wide, "rust"),
                                    (Framing.CloseUp, "cercospora"), (Framing.CloseUp, "cercospora"), (Framing.CloseUp, "cercospora"), (Framing.CloseUp, "cercospora")];
        var w = ModelTrainer.FramingClassWeights(rows);
        Assert.Equal(1.0, w.Average(), 5);
        // The single whole-leaf cercospora row weighs as much as the three whole-leaf rust rows together, and as the four close-ups.
        Assert.Equal(w[0], w[1] + w[2] + w[3], 4);
        Assert.Equal(w[0], w[4] + w[5] + w[6] + w[7], 4);
    }

    [Fact]
    public void Rejection_is_calibrated_on_val_leaves_of_each_framing_and_rejects_non_leaves()
    {
        using var tmp = new TempFolder();
        var leaves = SyntheticDataset.Write(tmp.Sub("leaves"), perClass: 6);
        var closeUps = SyntheticDataset.WriteCloseUps(tmp.Sub("closeups"), perClass: 6);
        var negatives = SyntheticDataset.WriteNegatives(tmp.Sub("flowers"), count: 20);
        var result = new ModelTrainer(new SilentProgress()).Train(Options(tmp, leaves, closeUps, negatives, augment: 0));
        var cal = result.Manifest.Calibration;
        Assert.NotNull(cal.LeafBelow);

        // The served model (composed graph) applies the same rule: score every val photo through it.
        using var model = CropModel.Load(result.VersionFolder, Backbone.Load());
        var scored = new List<(bool Leaf, Framing Framing, bool Rejected)>();
        foreach (var (folder, negative) in new[] { (leaves, false), (closeUps, false), (negatives, true) })
        {
            var ds = negative ? LabelledDataset.LoadNegatives(folder) : LabelledDataset.Load(folder);
            foreach (var img in ds.In(Split.Val))
            {
                var bytes = File.ReadAllBytes(img.FullPath(folder));
                var output = model.Predict(bytes);
                ImagePreprocessor.Preprocess(bytes, model.Spec, out var framing);
                scored.Add((!negative, framing, Verdict.Decide(output, result.Manifest, framing) == PredictionStatus.Rejected));
            }
        }
        // At most the calibrated share of val leaves of each framing (2%, i.e. at most one of the six here) is rejected ...
        foreach (var framing in new[] { Framing.Wide, Framing.CloseUp })
        {
            var group = scored.Where(s => s.Leaf && s.Framing == framing).ToList();
            Assert.Equal(6, group.Count);
            Assert.True(group.Count(s => s.Rejected) <= 1, $"{framing}: {group.Count(s => s.Rejected)} of 6 leaves rejected");
        }
        // ... while the non-leaves, plainly different here, are rejected.
        var flowers = scored.Where(s => !s.Leaf).ToList();
        Assert.Equal(4, flowers.Count);
        Assert.All(flowers, f => Assert.True(f.Rejected));
        Assert.Equal(1.0, cal.ValRejectedBy!["not leaves"]);
        Assert.Equal(1.0, result.ValReport.NotLeafRejectedRate);
    }

    [Fact]
    public void The_report_shows_thumbnails_of_the_worst_mistakes()
    {
        using var tmp = new TempFolder();
        var leaves = SyntheticDataset.Write(tmp.Sub("leaves"), perClass: 3);
        var flowers = SyntheticDataset.WriteNegatives(tmp.Sub("flowers"), count: 5);
        var m = ModelFixtures.Manifest(Backbone.Load(), ["layer4"], new PreprocessingSpec(), TestHeads.RandomHead(512)) with
        {
            Tasks = [new TaskSpec { Output = TaskNames.Stress, Kind = TaskSpec.SingleLabel, Labels = ["healthy", "phoma", "rust"] }],
            PrimaryOutput = TaskNames.Stress,
        };
        ModelOutput Out(params float[] p) => new(new Dictionary<string, float[]> { [TaskNames.Stress] = p }, 0f, []);
        var rust = LabelledDataset.Load(leaves).Images.First(i => i.Class == "rust");
        var healthy = LabelledDataset.Load(leaves).Images.First(i => i.Class == "healthy");
        var flower = LabelledDataset.LoadNegatives(flowers).Images[0];
        ScoredImage[] scored =
        [
            new(rust, Out(0.9f, 0.05f, 0.05f), "leaves", Framing.Wide, rust.FullPath(leaves)),       // wrong, confident
            new(healthy, Out(0.8f, 0.1f, 0.1f), "leaves", Framing.Wide, healthy.FullPath(leaves)),   // right
            new(flower, Out(0.5f, 0.3f, 0.2f), "flowers", Framing.CloseUp, flower.FullPath(flowers)), // a non-leaf accepted
        ];
        var report = EvaluationReport.Build(m, "coffee/1", "test", "val", scored, []);
        Assert.Equal(["not a leaf, accepted", "wrong stress"], report.Mistakes.Select(x => x.Kind));
        Assert.Equal(0.0, report.NotLeafRejectedRate);
        Assert.Equal(0.5, report.Accuracy);

        ReportWriter.Write(report, tmp.Sub("report"), "test");
        var html = File.ReadAllText(tmp.Sub("report", "report.html"));
        Assert.Contains("Worst mistakes", html);
        foreach (var name in new[] { "mistakes/01.jpg", "mistakes/02.jpg" })
        {
            Assert.Contains($"src=\"{name}\"", html);
            using var thumb = SkiaSharp.SKBitmap.Decode(tmp.Sub("report", name));
            Assert.True(Math.Max(thumb.Width, thumb.Height) <= 128);
        }
    }

    [Fact]
    public void The_leaf_rule_rejects_only_where_a_model_has_it()
    {
        var probs = new Dictionary<string, float[]> { [TaskNames.Stress] = [0.9f, 0.1f], [TaskNames.Leaf] = [0.2f] };
        var output = new ModelOutput(probs, 1f, []);
        var old = new CalibrationSpec { UncertainBelow = 0.5, RejectAbove = 2, Method = "model 1" };
        Assert.False(Verdict.IsRejected(output, old));
        Assert.True(Verdict.IsRejected(output, old with { LeafOutput = TaskNames.Leaf, LeafBelow = 0.3 }));
        Assert.False(Verdict.IsRejected(output, old with { LeafOutput = TaskNames.Leaf, LeafBelow = 0.1 }));
        Assert.True(Verdict.IsRejected(output with { Distance = 3f }, old));
    }

    [Fact]
    public void Negatives_folder_is_split_by_a_seed_and_carries_no_stress()
    {
        using var tmp = new TempFolder();
        var negatives = SyntheticDataset.WriteNegatives(tmp.Sub("flowers"), count: 10);
        var a = LabelledDataset.LoadNegatives(negatives, seed: 3);
        Assert.True(a.IsNegatives);
        Assert.All(a.Images, i => Assert.True(i.Negative && i.Severity is null && i.Flags is null));
        Assert.Equal(2, a.In(Split.Val).Count());
        Assert.Equal(a.Images.Select(i => i.Split), LabelledDataset.LoadNegatives(negatives, seed: 3).Images.Select(i => i.Split));
        Assert.Throws<DatasetException>(() => LabelledDataset.LoadNegatives(tmp.Sub("nothing")));
    }

    [Fact]
    public void Close_up_labels_with_a_leaf_column_load_without_severity()
    {
        using var tmp = new TempFolder();
        var ds = LabelledDataset.Load(SyntheticDataset.WriteCloseUps(tmp.Sub("closeups"), perClass: 3));
        Assert.False(ds.HasSeverity);
        Assert.Empty(ds.FlagNames); // "leaf" names the source photo; it is not a stress flag
        Assert.Equal(3, ds.In(Split.Val).Count());
    }
}
