using System.CommandLine;
using System.Text.Json;
using CropVision.Core.Preprocessing;
using CropVision.Learning.Heads;
using CropVision.Tests.Support;
using CropVision.Training.Commands;

namespace CropVision.Tests.Training;

/// <summary>The console commands as a user runs them: arguments in, exit code and files out.</summary>
[Trait("Category", "Training")]
public class CliTests
{
    private static int Run(params string[] args) =>
        new RootCommand { TrainCommand.Create(), EvaluateCommand.Create(), ExportCommand.Create(), PredictCommand.Create() }.Parse(args).Invoke();

    [Fact]
    public void Evaluate_export_and_predict_work_from_the_command_line()
    {
        using var tmp = new TempFolder();
        var data = SyntheticDataset.Write(tmp.Sub("data"), perClass: 6);
        var models = tmp.Sub("models", "coffee");
        Assert.Equal(0, Run("train", "--data", data, "--crop", "coffee", "--out", models, "--flips", "none", "--l2", "16", "--cache", tmp.Sub("cache")));
        Assert.True(File.Exists(Path.Combine(models, "1", "report.html")));

        var json = tmp.Sub("metrics.json");
        Assert.Equal(0, Run("evaluate", "--model", models, "--data", data, "--json", json, "--report", tmp.Sub("report")));
        using (var doc = JsonDocument.Parse(File.ReadAllText(json)))
        {
            Assert.Equal(18, doc.RootElement.GetProperty("images").GetInt32()); // every image in the folder
            foreach (var key in new[] { "accuracy", "macroF1", "severityAccuracy", "ece", "confusion" }) Assert.True(doc.RootElement.TryGetProperty(key, out _), key);
        }
        Assert.True(File.Exists(tmp.Sub("report", "report.html")));

        var onnx = tmp.Sub("out", "coffee.onnx");
        Assert.Equal(0, Run("export", "--model", Path.Combine(models, "1"), "--out", onnx));
        Assert.True(new FileInfo(onnx).Length > 40_000_000); // the backbone is inside
        Assert.False(File.Exists(onnx + ".partial"));
        Assert.Equal(["coffee.onnx"], Directory.GetFiles(tmp.Sub("out")).Select(Path.GetFileName)); // no temporary file left beside it

        var leaf = Path.Combine(data, "rust", "1.jpg");
        Assert.Equal(0, Run("predict", "--model", models, leaf));
        var junk = tmp.Sub("junk.jpg");
        File.WriteAllText(junk, "not an image");
        Assert.Equal(1, Run("predict", "--model", models, leaf, junk)); // the bad file is reported, the good one still answered
    }

    [Fact]
    public void Several_sources_negatives_and_a_model_card_from_the_command_line()
    {
        using var tmp = new TempFolder();
        var leaves = SyntheticDataset.Write(tmp.Sub("leaves"), perClass: 6);
        var closeUps = SyntheticDataset.WriteCloseUps(tmp.Sub("closeups"), perClass: 6);
        var flowers = SyntheticDataset.WriteNegatives(tmp.Sub("flowers"), count: 15);
        var card = tmp.Sub("card.json");
        File.WriteAllText(card, """{"en": "Synthetic leaves", "vi": "Lá tổng hợp"}""");
        var models = tmp.Sub("models", "coffee");
        Assert.Equal(0, Run("train", "--data", leaves, "--data", closeUps, "--negatives", flowers, "--augment", "1", "--trained-on", card,
            "--crop", "coffee", "--out", models, "--layers", "layer4", "--l2", "16", "--cache", tmp.Sub("cache"), "--stress-weights", "framing-class"));
        var manifest = CropVision.Core.Models.ModelManifest.Read(Path.Combine(models, "1"));
        Assert.Contains("every framing x class pair has the same total weight", manifest.Training.Selection);
        Assert.Equal("Lá tổng hợp", manifest.TrainedOn!.Vi);
        Assert.Equal(1.5, manifest.Preprocessing.CloseUpBelowAspect);

        var json = tmp.Sub("metrics.json");
        Assert.Equal(0, Run("evaluate", "--model", models, "--data", leaves, "--data", closeUps, "--negatives", flowers, "--split", "val",
            "--json", json, "--report", tmp.Sub("report")));
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var groups = doc.RootElement.GetProperty("groups").EnumerateArray().Select(g => g.GetProperty("name").GetString()).ToList();
        Assert.Equal(["source leaves", "source closeups", "framing wide (whole leaf)", "framing close-up"], groups);
        Assert.Equal(3, doc.RootElement.GetProperty("notLeafImages").GetInt32());
        Assert.True(doc.RootElement.TryGetProperty("notLeafRejectedRate", out _));
        // Thumbnails live beside the report, so its metrics.json names them.
        using var reportJson = JsonDocument.Parse(File.ReadAllText(tmp.Sub("report", "metrics.json")));
        var mistakes = reportJson.RootElement.GetProperty("mistakes").EnumerateArray().ToList();
        Assert.Equal(doc.RootElement.GetProperty("mistakes").GetArrayLength(), mistakes.Count);
        foreach (var m in mistakes) Assert.True(File.Exists(Path.Combine(tmp.Sub("report"), m.GetProperty("thumbnail").GetString()!)));

        Assert.NotEqual(0, Run("train", "--data", leaves, "--crop", "coffee", "--out", models, "--stress-weights", "heavy"));
        Assert.False(Directory.Exists(Path.Combine(models, "2")));

        File.WriteAllText(card, """{"en": "only English"}""");
        Assert.Equal(1, Run("train", "--data", leaves, "--trained-on", card, "--crop", "coffee", "--out", models, "--cache", tmp.Sub("cache")));
    }

    [Fact]
    public void Bad_arguments_are_clear_errors_not_crashes()
    {
        using var tmp = new TempFolder();
        Assert.Equal(1, Run("train", "--data", tmp.Sub("missing"), "--crop", "coffee", "--out", tmp.Sub("m")));
        Assert.Equal(1, Run("evaluate", "--model", tmp.Sub("no-model"), "--data", tmp.Path));
        Assert.Equal(1, Run("train", "--data", tmp.Path, "--crop", "coffee", "--flips", "sideways"));
        Assert.NotEqual(0, Run("train", "--crop", "coffee")); // --data is required
    }
}
