using CropVision.Core.Inference;
using CropVision.Core.Models;
using CropVision.Core.Preprocessing;
using CropVision.FineTuning.Maps;
using CropVision.FineTuning.Training;
using CropVision.Learning.Data;
using CropVision.Learning.Features;
using CropVision.Tests.Support;
using Xunit.Abstractions;

namespace CropVision.Tests.FineTuning;

/// <summary>
/// The fine-tune's groundwork on a few dozen BRACOL photos: tail maps of originals and augmented copies cached on disk
/// (with progress), then the tail and a main-stress head trained with fixed seeds and early stopping on val.
/// </summary>
[Trait("Category", "Training")]
public class TailFineTuneTests(ITestOutputHelper output)
{
    private static readonly FineTuneOptions Options = new() { MaxEpochs = 3, Patience = 1, BatchSize = 8, Threads = 1, Seed = 5 };

    [BracolFact]
    public void Caches_maps_then_fine_tunes_the_tail_reproducibly_keeping_the_best_val_epoch()
    {
        using var temp = new TempFolder();
        var backbone = Backbone.Load();
        var spec = ModelManifest.Read(ModelRepository.ResolveVersionFolder(Path.Combine(SharedData.RepositoryRoot, "models", "coffee"))).Preprocessing;
        var ds = LabelledDataset.Load(SharedData.Bracol);
        var trainPhotos = ds.In(Split.Train).GroupBy(i => i.Class).SelectMany(g => g.Take(4)).ToList();
        var valPhotos = ds.In(Split.Val).GroupBy(i => i.Class).SelectMany(g => g.Take(2)).ToList();
        // Each train photo and one augmented copy of it; val photos as they are.
        var trainJobs = trainPhotos.SelectMany(p => new[] { new FeatureJob(p.RelativePath), new FeatureJob(p.RelativePath, 1) }).ToList();
        var valJobs = valPhotos.Select(p => new FeatureJob(p.RelativePath)).ToList();
        var settings = new SessionSettings { IntraOpThreads = 1 };

        var reports = new List<StageProgress>();
        List<MapEntry> trainMaps, valMaps;
        using (var extractor = new MapExtractor(backbone, spec, temp.Path, seed: 5, settings))
        {
            (trainMaps, var unreadable) = extractor.ExtractAll(ds.Root, trainJobs, reports.Add);
            Assert.Empty(unreadable);
            Assert.Equal(trainJobs.Count, extractor.Computed);
            (valMaps, _) = extractor.ExtractAll(ds.Root, valJobs);
        }
        Assert.Equal(trainJobs.Count, reports.Count);
        Assert.Equal((trainJobs.Count, trainJobs.Count), (reports[^1].Done, reports[^1].Total));
        Assert.Equal(TimeSpan.Zero, reports[^1].Remaining);
        // Originals keep every view, copies their first flip's tiles; the cache holds one file per photo or copy.
        Assert.All(trainMaps.Where(m => m.Copy == 0 && m.Framing == Framing.Wide), m => Assert.Equal(spec.ViewCount, m.Views));
        Assert.All(trainMaps.Where(m => m.Copy == 1), m => Assert.Equal(spec.TileCount, m.Views));
        using (var again = new MapExtractor(backbone, spec, temp.Path, seed: 5, settings))
        {
            var (cached, _) = again.ExtractAll(ds.Root, trainJobs);
            Assert.Equal(0, again.Computed);
            Assert.Equal(trainMaps.Select(m => m.Maps), cached.Select(m => m.Maps));
            Assert.Equal(trainJobs.Count + valJobs.Count, Directory.EnumerateFiles(again.CacheFolder!, "*.f16", SearchOption.AllDirectories).Count());
        }

        var classes = ds.Classes.ToList();
        var train = trainMaps.Select(m => new FineTuneExample(m, classes.IndexOf(ds.Images.First(i => i.RelativePath == m.RelativePath).Class))).ToList();
        var val = valMaps.Select(m => new FineTuneExample(m, classes.IndexOf(ds.Images.First(i => i.RelativePath == m.RelativePath).Class))).ToList();

        var (first, firstVal) = FineTune(backbone, classes.Count, spec.TileCount, train, val);
        foreach (var e in first.Epochs)
            output.WriteLine($"epoch {e.Epoch}: train loss {e.TrainLoss:F4}, val loss {e.ValLoss:F4}, val acc {e.ValAccuracy:F3}, {e.Took.TotalSeconds:F1} s");
        output.WriteLine($"best epoch {first.BestEpoch}, stopped early: {first.StoppedEarly}; {train.Count} train photos+copies, {val.Count} val");

        // Training moved val loss below the untrained start, and the kept weights are the best epoch's.
        Assert.Equal(first.Epochs.Min(e => e.ValLoss), first.Best.ValLoss);
        Assert.True(first.Best.ValLoss < first.Epochs[0].ValLoss, $"val loss {first.Epochs[0].ValLoss} -> best {first.Best.ValLoss}");
        Assert.Equal(first.Best.ValLoss, firstVal, 4);
        Assert.True(first.StoppedEarly || first.Epochs.Count == Options.MaxEpochs + 1);

        // Fixed seeds: the same run gives the same figures.
        var (second, _) = FineTune(backbone, classes.Count, spec.TileCount, train, val);
        Assert.Equal(first.BestEpoch, second.BestEpoch);
        Assert.Equal(first.Epochs.Select(e => Math.Round(e.ValLoss, 5)), second.Epochs.Select(e => Math.Round(e.ValLoss, 5)));
    }

    [BracolFact]
    public void With_grades_a_severity_head_trains_beside_the_stress_head_and_counts_in_the_val_loss()
    {
        using var temp = new TempFolder();
        var backbone = Backbone.Load();
        var spec = new PreprocessingSpec { Flips = [Flip.None, Flip.Both], CloseUpBelowAspect = 1.5, FramingByContent = true };
        var ds = LabelledDataset.Load(SharedData.Bracol);
        var trainPhotos = ds.In(Split.Train).GroupBy(i => i.Class).SelectMany(g => g.Take(3)).ToList();
        var valPhotos = ds.In(Split.Val).GroupBy(i => i.Class).SelectMany(g => g.Take(1)).ToList();
        using var extractor = new MapExtractor(backbone, spec, temp.Path, seed: 5, new SessionSettings { IntraOpThreads = 1 });
        var (trainMaps, _) = extractor.ExtractAll(ds.Root, [.. trainPhotos.Select(p => new FeatureJob(p.RelativePath))]);
        var (valMaps, _) = extractor.ExtractAll(ds.Root, [.. valPhotos.Select(p => new FeatureJob(p.RelativePath))]);
        Assert.All(trainMaps, m => Assert.Equal(64, m.Sha256.Length)); // the photo's SHA-256 (copies' labels depend on it)
        var classes = ds.Classes.ToList();
        FineTuneExample Example(MapEntry m, bool graded)
        {
            var image = ds.Images.First(i => i.RelativePath == m.RelativePath);
            return new FineTuneExample(m, classes.IndexOf(image.Class), Severity: graded ? image.Severity!.Value : -1);
        }
        var train = trainMaps.Select(m => Example(m, graded: true)).ToList();
        var val = valMaps.Select(m => Example(m, graded: true)).ToList();
        var options = Options with { MaxEpochs = 2, Patience = 2 };

        using var tuner = new TailFineTuner(backbone, classes.Count, spec.TileCount, options.Seed, severityGrades: 5);
        var result = tuner.Train(train, val, options);
        foreach (var e in result.Epochs) output.WriteLine($"epoch {e.Epoch}: val loss {e.ValLoss:F4}, stress {e.ValAccuracy:F3}, severity {e.ValSeverityAccuracy:F3}");
        Assert.All(result.Epochs, e => Assert.InRange(e.ValSeverityAccuracy, 0, 1));
        var (stress, severity) = tuner.PredictBoth(val[0].Maps);
        Assert.Equal(5, severity.Length);
        Assert.Equal(1, severity.Sum(), 3);
        // The kept epoch's val loss is the stress loss plus the severity loss.
        double stressLoss = val.Average(v => -Math.Log(tuner.Predict(v.Maps)[v.Label]));
        double severityLoss = val.Average(v => -Math.Log(tuner.PredictBoth(v.Maps).Severity[v.Severity]));
        Assert.Equal(result.Best.ValLoss, stressLoss + severityLoss, 3);

        // Without grades nothing about severity is trained or reported.
        using var plain = new TailFineTuner(backbone, classes.Count, spec.TileCount, options.Seed);
        var stressOnly = plain.Train([.. trainMaps.Select(m => Example(m, graded: false))], [.. valMaps.Select(m => Example(m, graded: false))], options with { MaxEpochs = 1 });
        Assert.All(stressOnly.Epochs, e => Assert.True(double.IsNaN(e.ValSeverityAccuracy)));
        Assert.Empty(plain.PredictBoth(val[0].Maps).Severity);
    }

    private static (FineTuneResult Result, double ValLossAfter) FineTune(Backbone backbone, int classes, int tiles, List<FineTuneExample> train, List<FineTuneExample> val)
    {
        using var tuner = new TailFineTuner(backbone, classes, tiles, Options.Seed);
        var result = tuner.Train(train, val, Options);
        double loss = val.Average(v => -Math.Log(tuner.Predict(v.Maps)[v.Label]));
        return (result, loss);
    }
}

/// <summary>The fine-tune's weighted loss (<c>--stress-weights framing-class</c>): equal weights give the plain mean, a zero weight drops a row.</summary>
[Trait("Category", "Training")]
public class WeightedFineTuneLossTests
{
    [Fact]
    public void Equal_weights_give_the_plain_loss_and_a_zero_weight_leaves_a_row_out()
    {
        global::CropVision.FineTuning.Torch.TorchRuntime.Initialize(threads: 1);
        using var scope = TorchSharp.torch.NewDisposeScope();
        TorchSharp.torch.manual_seed(1);
        var logits = TorchSharp.torch.randn(4, 3);
        var labels = TorchSharp.torch.tensor(new long[] { 0, 2, 1, 2 });
        float Plain(TorchSharp.torch.Tensor l, TorchSharp.torch.Tensor y) => TorchSharp.torch.nn.functional.cross_entropy(l, y, label_smoothing: 0.1).item<float>();

        Assert.Equal(Plain(logits, labels), TailFineTuner.WeightedLoss(logits, labels, [2f, 2f, 2f, 2f], 0.1).item<float>(), 5);
        var firstThree = TailFineTuner.WeightedLoss(logits, labels, [1f, 1f, 1f, 0f], 0.1).item<float>();
        Assert.Equal(Plain(logits[..3], labels[..3]), firstThree, 5);
        Assert.NotEqual(Plain(logits, labels), firstThree, 3);
    }
}
