using System.Text.Json;
using CropVision.Core.Inference;
using CropVision.Core.Models;
using CropVision.Core.Preprocessing;
using CropVision.FineTuning.Training;
using CropVision.Learning.Data;
using CropVision.Learning.Evaluation;
using CropVision.Learning.Heads;
using CropVision.Tests.Support;
using Xunit.Abstractions;

namespace CropVision.Tests.FineTuning;

/// <summary>
/// <c>train --fine-tune</c> end to end on a few dozen generated photos: maps cached, the tail fine-tuned, the heads
/// fitted on its features, a version written with the tail as part files; the service's loading path gives training's val figures.
/// </summary>
[Trait("Category", "Training")]
public class FineTuneTrainTests(ITestOutputHelper output)
{
    [Fact]
    public void Train_with_fine_tune_writes_a_version_that_loads_with_its_tail_and_scores_as_training_did()
    {
        using var tmp = new TempFolder();
        var data = SyntheticDataset.Write(tmp.Sub("data"));
        var options = new TrainOptions
        {
            DataFolders = [data], Crop = "coffee", OutFolder = tmp.Sub("models", "coffee"), CacheRoot = tmp.Sub("cache"), Augment = 1,
            Layers = ["layer3", "layer4"], Preprocessing = new PreprocessingSpec { Flips = [Flip.None] }, L2Grid = [1f, 16f],
            // Weighted rows in the fine-tune's loss too (here every photo is a whole leaf: classes balanced).
            StressWeights = StressWeighting.FramingClass,
        };
        // A tail learning rate above the default so two epochs on 18 photos move the weights measurably.
        // Stress only: the synthetic grades are not learnable from the picture (the severity head has its own test).
        var fine = new FineTuneOptions { MaxEpochs = 2, Patience = 1, BatchSize = 6, TailLearningRate = 1e-3, Threads = 1, LearnSeverity = false };
        var progress = new SilentProgress();
        var result = FineTuneStage.Train(options, fine, progress, default);
        foreach (var m in progress.Messages.Where(m => m.StartsWith("fine-tune", StringComparison.Ordinal))) output.WriteLine(m);

        var manifest = ModelManifest.Read(result.VersionFolder);
        // The real tail (35 tensors, ~13 MB) comes in parts, each small enough for git.
        var parts = manifest.Backbone.FineTunedTail!;
        Assert.Equal(Enumerable.Range(1, parts.Count).Select(FineTunedTail.PartFileName), parts);
        Assert.True(parts.Count >= 3, $"{parts.Count} part(s)");
        foreach (var part in parts)
        {
            var file = new FileInfo(Path.Combine(result.VersionFolder, part));
            Assert.True(file.Exists, $"{part} missing from the version");
            Assert.InRange(file.Length, 1, FineTunedTail.MaxPartBytes);
        }
        Assert.Empty(Directory.GetFiles(result.VersionFolder, FineTunedTail.LegacyFileName));
        Assert.Equal(Backbone.Load().Sha256(), manifest.Backbone.Sha256);
        Assert.Contains("fineTune.bestEpoch", manifest.Training.Hyperparameters.Keys);
        Assert.True(manifest.Training.Hyperparameters["fineTune.bestEpoch"] >= 1, "no epoch improved on the starting val loss: the tail kept the NuGet weights");
        Assert.Equal(3, manifest.Task("stress").Labels.Count);
        Assert.Contains("fine-tuned first", manifest.Training.Selection);
        Assert.Contains("every framing x class pair has the same say", manifest.Training.Selection);

        // The service's path (ModelPackage via CropModel) on the val photos gives the figures training wrote.
        using var model = CropModel.Load(result.VersionFolder, Backbone.Load());
        var val = LabelledDataset.Load(data).In(Split.Val).ToList();
        var outputs = val.Select(i => model.Predict(File.ReadAllBytes(i.FullPath(data)))).ToList();
        var scored = val.Select((i, k) => new ScoredImage(i, outputs[k], "data", Framing.Wide, i.FullPath(data))).ToList();
        var report = EvaluationReport.Build(manifest, "coffee/1", data, "val", scored, []);
        output.WriteLine($"val accuracy: training {result.ValReport.Accuracy:F3}, loaded version {report.Accuracy:F3}");
        Assert.Equal(result.ValReport.Accuracy, report.Accuracy, 6);
        // Calibration error reads the probabilities themselves, not just the top class.
        output.WriteLine($"val ECE: training {result.ValReport.Ece:F5}, loaded version {report.Ece:F5}");
        Assert.Equal(result.ValReport.Ece, report.Ece, 4);
        Assert.True(report.Accuracy >= 0.8, $"val accuracy {report.Accuracy}");

        // Without the tail the same head sees other features: the fine-tuned weights are what is served.
        var plain = tmp.Sub("plain");
        Directory.CreateDirectory(plain);
        File.Copy(Path.Combine(result.VersionFolder, manifest.Head), Path.Combine(plain, manifest.Head));
        (manifest with { Backbone = manifest.Backbone with { FineTunedTail = null } }).Write(plain);
        using var untuned = CropModel.Load(plain, Backbone.Load());
        var photo = File.ReadAllBytes(val[0].FullPath(data));
        var a = model.Predict(photo).Features;
        var b = untuned.Predict(photo).Features;
        float moved = a.Zip(b, (x, y) => MathF.Abs(x - y)).Max();
        output.WriteLine($"layer4 features moved by up to {moved:E2} from the NuGet backbone's");
        Assert.True(moved > 1e-3f, $"features moved by only {moved:E2}");
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(result.VersionFolder, ModelManifest.FileName)));
        Assert.Equal(parts, json.RootElement.GetProperty("backbone").GetProperty("fineTunedTail").EnumerateArray().Select(e => e.GetString()));
    }
}
