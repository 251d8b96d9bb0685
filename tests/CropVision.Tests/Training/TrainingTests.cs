using System.Text.Json;
using CropVision.Core.Inference;
using CropVision.Core.Models;
using CropVision.Core.Preprocessing;
using CropVision.Learning.Data;
using CropVision.Learning.Evaluation;
using CropVision.Learning.Features;
using CropVision.Learning.Heads;
using CropVision.Tests.Support;

namespace CropVision.Tests.Training;

/// <summary>End-to-end: train on a generated dataset, then evaluate and predict with what was written.</summary>
[Trait("Category", "Training")]
public class TrainingTests
{
    // Two views per image keep the test fast; the pipeline is the same as for the full model.
    private static TrainOptions Options(string data, string output, string cache) => new()
    {
        DataFolders = [data], Crop = "coffee", OutFolder = output, CacheRoot = cache,
        Layers = ["layer3", "layer4"], Preprocessing = new PreprocessingSpec { Flips = [Flip.None] }, L2Grid = [1f, 16f],
    };

    [Fact]
    public void Train_writes_a_version_that_evaluate_and_predict_use()
    {
        using var tmp = new TempFolder();
        var data = SyntheticDataset.Write(tmp.Sub("data"));
        var progress = new SilentProgress();
        var result = new ModelTrainer(progress).Train(Options(data, tmp.Sub("models", "coffee"), tmp.Sub("cache")));

        Assert.Equal(tmp.Sub("models", "coffee", "1"), result.VersionFolder);
        foreach (var file in new[] { "manifest.json", "head.onnx", "metrics.json", "report.html", "confusion.png", "reliability.png" })
            Assert.True(File.Exists(Path.Combine(result.VersionFolder, file)), $"{file} missing");
        Assert.Empty(Directory.GetDirectories(tmp.Sub("models", "coffee"), ".*"));
        Assert.True(new FileInfo(Path.Combine(result.VersionFolder, "head.onnx")).Length < 1_000_000);

        var manifest = ModelManifest.Read(result.VersionFolder);
        Assert.Equal(["healthy", "phoma", "rust"], manifest.Task("stress").Labels);
        Assert.Equal(["rust", "phoma"], manifest.Task("stress_flags").Labels);
        Assert.Equal(["0", "1", "2"], manifest.Task("severity").Labels);
        Assert.Equal(18, manifest.Training.ImagesPerSplit["train"]);
        Assert.Equal(64, manifest.Training.DataFingerprint.Length);
        Assert.InRange(manifest.Calibration.UncertainBelow, 0.2, 1.0);
        // Synthetic classes differ plainly (spot colour): a working pipeline separates them.
        Assert.True(result.ValReport.Accuracy >= 0.8, $"val accuracy {result.ValReport.Accuracy}");

        // The composed model (the service's path) agrees with training's val figures.
        using var model = CropModel.Load(result.VersionFolder, Backbone.Load());
        var dataset = LabelledDataset.Load(data);
        var val = dataset.In(Split.Val).ToList();
        var scored = val.Select(i => new ScoredImage(i, model.Predict(File.ReadAllBytes(i.FullPath(data))), "data", Framing.Wide, i.FullPath(data))).ToList();
        var report = EvaluationReport.Build(manifest, "coffee/1", data, "val", scored, []);
        Assert.Equal(result.ValReport.Accuracy, report.Accuracy, 6);
        Assert.Equal(result.ValReport.SeverityAccuracy!.Value, report.SeverityAccuracy!.Value, 6);

        using var json = JsonDocument.Parse(report.ToJson());
        foreach (var key in new[] { "accuracy", "macroF1", "severityAccuracy", "ece", "confusion" })
            Assert.True(json.RootElement.TryGetProperty(key, out _), $"metrics JSON lacks '{key}'");
        Assert.Equal(3, json.RootElement.GetProperty("confusion").GetArrayLength());
    }

    [Fact]
    public void Retraining_adds_a_new_version_and_reuses_cached_features()
    {
        using var tmp = new TempFolder();
        var data = SyntheticDataset.Write(tmp.Sub("data"), perClass: 6);
        var options = Options(data, tmp.Sub("models", "coffee"), tmp.Sub("cache"));
        new ModelTrainer(new SilentProgress()).Train(options);
        var cacheFile = Directory.GetFiles(tmp.Sub("cache")).Single();
        var cacheSize = new FileInfo(cacheFile).Length;

        var second = new ModelTrainer(new SilentProgress()).Train(options);
        Assert.EndsWith(Path.Combine("coffee", "2"), second.VersionFolder);
        Assert.Equal(cacheSize, new FileInfo(cacheFile).Length); // nothing recomputed
        Assert.Equal(ModelManifest.Read(tmp.Sub("models", "coffee", "1")).Training.DataFingerprint, second.Manifest.Training.DataFingerprint);
    }

    [Fact]
    public void Unreadable_images_are_skipped_and_listed()
    {
        using var tmp = new TempFolder();
        var data = SyntheticDataset.Write(tmp.Sub("data"), perClass: 6);
        File.WriteAllText(Path.Combine(data, "rust", "broken.jpg"), "this is not a jpeg");
        File.WriteAllBytes(Path.Combine(data, "phoma", "truncated.jpg"), File.ReadAllBytes(Path.Combine(data, "phoma", "1.jpg"))[..500]);
        var result = new ModelTrainer(new SilentProgress()).Train(Options(data, tmp.Sub("models"), tmp.Sub("cache")));
        // Named by source folder, since one run can read several.
        Assert.Equal(["data/phoma/truncated.jpg", "data/rust/broken.jpg"], result.Skipped.Select(s => s.RelativePath));
        Assert.Equal(["data/phoma/truncated.jpg", "data/rust/broken.jpg"], result.Manifest.Training.SkippedImages);
    }

    [Fact]
    public void Empty_class_folder_is_a_clear_error_and_writes_nothing()
    {
        using var tmp = new TempFolder();
        var data = SyntheticDataset.Write(tmp.Sub("data"), perClass: 3);
        Directory.CreateDirectory(Path.Combine(data, "cercospora"));
        var e = Assert.Throws<DatasetException>(() => new ModelTrainer(new SilentProgress()).Train(Options(data, tmp.Sub("models"), tmp.Sub("cache"))));
        Assert.Contains("cercospora", e.Message);
        Assert.False(Directory.Exists(tmp.Sub("models")) && Directory.EnumerateFileSystemEntries(tmp.Sub("models")).Any());
    }

    [Fact]
    public void A_label_that_is_not_a_folder_is_a_clear_error()
    {
        using var tmp = new TempFolder();
        var data = SyntheticDataset.Write(tmp.Sub("data"), perClass: 3);
        File.AppendAllText(Path.Combine(data, "labels.csv"), "9.jpg,blight,0,0,1,train\n");
        var e = Assert.Throws<DatasetException>(() => LabelledDataset.Load(data));
        Assert.Contains("'blight' has no folder", e.Message);
    }

    [Fact]
    public void A_failure_after_features_leaves_no_half_written_version()
    {
        using var tmp = new TempFolder();
        var data = SyntheticDataset.Write(tmp.Sub("data"), perClass: 3);
        // Every rust photo unreadable: the run fails after extracting features, before anything is published.
        foreach (var f in Directory.GetFiles(Path.Combine(data, "rust"))) File.WriteAllText(f, "garbage");
        var output = tmp.Sub("models");
        Assert.Throws<DatasetException>(() => new ModelTrainer(new SilentProgress()).Train(Options(data, output, tmp.Sub("cache"))));
        Assert.Empty(Directory.Exists(output) ? Directory.GetFileSystemEntries(output) : []);
    }

    [Fact]
    public void Without_labels_csv_a_seeded_stratified_split_is_made_and_is_stable()
    {
        using var tmp = new TempFolder();
        var data = SyntheticDataset.Write(tmp.Sub("data"), perClass: 10, withLabels: false);
        var a = LabelledDataset.Load(data, seed: 3);
        var b = LabelledDataset.Load(data, seed: 3);
        Assert.False(a.HasLabelsFile);
        Assert.Equal(a.Images.Select(i => i.Split), b.Images.Select(i => i.Split));
        foreach (var cls in a.Classes) Assert.Equal(2, a.Images.Count(i => i.Class == cls && i.Split == Split.Val));
        Assert.NotEqual(a.Images.Select(i => i.Split), LabelledDataset.Load(data, seed: 4).Images.Select(i => i.Split));
    }

    [Fact]
    public void Images_missing_from_labels_csv_still_belong_to_the_dataset()
    {
        using var tmp = new TempFolder();
        var data = SyntheticDataset.Write(tmp.Sub("data"), perClass: 3);
        File.Copy(Path.Combine(data, "rust", "1.jpg"), Path.Combine(data, "rust", "extra.jpg"));
        var ds = LabelledDataset.Load(data);
        var extra = Assert.Single(ds.Images, i => i.RelativePath == "rust/extra.jpg");
        Assert.Equal("rust", extra.Class);
        Assert.Null(extra.Severity);
        Assert.Equal(10, ds.Images.Count);
    }

    [Fact]
    public void Manifest_round_trips_through_json()
    {
        using var tmp = new TempFolder();
        var backbone = Backbone.Load();
        var m = ModelFixtures.Manifest(backbone, ["layer3"], new PreprocessingSpec { Flips = [Flip.None, Flip.Vertical] }, TestHeads.RandomHead(256));
        m.Write(tmp.Path);
        var back = ModelManifest.Read(tmp.Path);
        Assert.Equal(JsonSerializer.Serialize(m, ModelManifest.Json), JsonSerializer.Serialize(back, ModelManifest.Json));
        Assert.Equal([Flip.None, Flip.Vertical], back.Preprocessing.Flips);
        Assert.Contains("\"vertical\"", File.ReadAllText(Path.Combine(tmp.Path, "manifest.json")), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Feature_cache_ignores_a_torn_last_record()
    {
        using var tmp = new TempFolder();
        var cache = new FeatureCache(tmp.Path, "key", 4);
        cache.Add(new string('a', 64), [1, 2, 3, 4]);
        cache.Add(new string('b', 64), [5, 6, 7, 8]);
        using (var f = new FileStream(cache.FilePath, FileMode.Open)) f.SetLength(f.Length - 3);
        var reloaded = new FeatureCache(tmp.Path, "key", 4);
        Assert.True(reloaded.TryGet(new string('a', 64), out var a));
        Assert.Equal([1f, 2, 3, 4], a);
        Assert.False(reloaded.TryGet(new string('b', 64), out _));
    }
}
