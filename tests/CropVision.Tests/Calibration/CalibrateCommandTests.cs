using System.CommandLine;
using CropVision.Core.Inference;
using CropVision.Core.Models;
using CropVision.Tests.Support;
using CropVision.Training.Commands;

namespace CropVision.Tests.Calibration;

/// <summary><c>cropvision calibrate</c> on a small trained model writes the next version, loadable, with the temperature in its head.</summary>
[Trait("Category", "Training")]
public class CalibrateCommandTests
{
    private static int Run(params string[] args) =>
        new RootCommand { TrainCommand.Create(), CalibrateCommand.Create() }.Parse(args).Invoke();

    [Fact]
    public void Calibrate_writes_a_loadable_next_version()
    {
        using var tmp = new TempFolder();
        var data = SyntheticDataset.Write(tmp.Sub("data"), perClass: 6);
        var models = tmp.Sub("models", "coffee");
        var cache = tmp.Sub("cache");
        Assert.Equal(0, Run("train", "--data", data, "--crop", "coffee", "--out", models, "--flips", "none", "--l2", "16", "--augment", "1", "--cache", cache));
        Assert.Equal(0, Run("calibrate", "--model", Path.Combine(models, "1"), "--data", data, "--cache", cache, "--out", models));

        var folder = Path.Combine(models, "2");
        var manifest = ModelManifest.Read(folder);
        Assert.Equal(2, manifest.Version);
        Assert.Contains("calibrate", manifest.Training.Selection);
        Assert.True(manifest.Metrics.ContainsKey("calibration"));
        Assert.True(File.Exists(Path.Combine(folder, "calibration.md")));
        Assert.True(File.Exists(Path.Combine(folder, "reliability-after.png")));
        var head = Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(folder, manifest.Head)));
        Assert.Equal(manifest.Calibration.Temperature ?? 1, HeadGraph.Temperature(head, manifest.PrimaryOutput), 5);
        using var model = CropModel.Load(folder, Backbone.Load());
        var leaf = File.ReadAllBytes(Path.Combine(data, "rust", "1.jpg"));
        var output = model.Run(CropVision.Core.Preprocessing.ImagePreprocessor.Preprocess(leaf, manifest.Preprocessing), 1)[0];
        Assert.Equal(1, output.Probabilities[manifest.PrimaryOutput].Sum(), 3);
    }

    [Fact]
    public void With_other_crops_rejected_keeps_to_non_leaves_and_a_band_below_the_leaves_is_uncertain()
    {
        using var tmp = new TempFolder();
        var data = SyntheticDataset.Write(tmp.Sub("data"), perClass: 6);
        var flowers = SyntheticDataset.WriteNegatives(tmp.Sub("flowers"), count: 15);
        var others = SyntheticDataset.WriteCloseUps(tmp.Sub("other-crops"), perClass: 5); // stand-ins for other crops' leaves
        var models = tmp.Sub("models", "coffee");
        var cache = tmp.Sub("cache");
        Assert.Equal(0, Run("train", "--data", data, "--negatives", flowers, "--negatives", others, "--crop", "coffee", "--out", models,
            "--flips", "none", "--l2", "16", "--augment", "1", "--cache", cache));
        Assert.Equal(0, Run("calibrate", "--model", Path.Combine(models, "1"), "--data", data, "--negatives", flowers, "--other-crops", others,
            "--cache", cache, "--out", models));

        var before = ModelManifest.Read(Path.Combine(models, "1")).Calibration;
        var after = ModelManifest.Read(Path.Combine(models, "2"));
        var cal = after.Calibration;
        Assert.NotNull(cal.LeafBelow);
        Assert.True(cal.LeafUncertainBelow is null || cal.LeafUncertainBelow > cal.LeafBelow, $"{cal.LeafBelow} / {cal.LeafUncertainBelow}");
        Assert.True(cal.RejectAbove >= before.RejectAbove, "the distance backstop covers the augmented copies too");
        Assert.Contains("other crops' leaves (val)", cal.ValRejectedBy!.Keys);
        Assert.True(after.Metrics.ContainsKey("val"), "val figures as served, for /v1/models");
        Assert.Contains("--other-crops", cal.Method);
    }

    [Fact]
    public void Train_with_other_crops_calibrates_them_apart_from_the_non_leaves()
    {
        using var tmp = new TempFolder();
        var data = SyntheticDataset.Write(tmp.Sub("data"), perClass: 6);
        var flowers = SyntheticDataset.WriteNegatives(tmp.Sub("flowers"), count: 15);
        var others = SyntheticDataset.WriteCloseUps(tmp.Sub("other-crops"), perClass: 5);
        var models = tmp.Sub("models", "coffee");
        Assert.Equal(0, Run("train", "--data", data, "--negatives", flowers, "--other-crops", others, "--crop", "coffee", "--out", models,
            "--flips", "none", "--l2", "16", "--augment", "1", "--cache", tmp.Sub("cache")));

        var manifest = ModelManifest.Read(Path.Combine(models, "1"));
        Assert.Equal(["labelled", "negatives", "other crops"], manifest.Training.Sources!.Select(x => x.Kind));
        var cal = manifest.Calibration;
        Assert.NotNull(cal.LeafBelow);
        Assert.True(cal.LeafUncertainBelow is null || cal.LeafUncertainBelow > cal.LeafBelow, $"{cal.LeafBelow} / {cal.LeafUncertainBelow}");
        Assert.Contains("other crops' leaves (val)", cal.ValRejectedBy!.Keys);
        Assert.Contains("not leaves", cal.ValRejectedBy!.Keys);
    }
}
