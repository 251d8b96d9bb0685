using System.Globalization;
using CropVision.Core.Models;
using CropVision.FineTuning.Maps;
using CropVision.Learning.Augmentation;
using CropVision.Learning.Data;
using CropVision.Learning.Features;
using CropVision.Learning.Heads;

namespace CropVision.FineTuning.Training;

/// <summary>
/// What <c>train --fine-tune</c> does before the heads: the tail's input maps of every labelled photo and its
/// augmented training copies (cached, <see cref="MapExtractor"/>), the tail trained jointly with a main-stress head
/// with early stopping on val (<see cref="TailFineTuner"/>), and the tail written as <see cref="FineTunedTail"/>
/// part files. The result is the backbone the service will load (the NuGet one with those files applied), from which
/// <see cref="ModelTrainer"/> then fits every head (main stress included) as for a plain <c>train</c>.
/// </summary>
public static class FineTuneStage
{
    public const string Description = "layer3's second block and layer4 fine-tuned from cached layer3 maps; " + FineTunedTail.Encoding;

    /// <summary>The whole of <c>train --fine-tune</c>: this stage, then <see cref="ModelTrainer"/> on the fine-tuned backbone.</summary>
    public static TrainResult Train(TrainOptions o, FineTuneOptions fine, ITrainingProgress progress, CancellationToken ct = default)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var work = Directory.CreateTempSubdirectory("cropvision-fine-tune-").FullName;
        try
        {
            var tuned = Run(o, fine, work, progress, progress.Info, ct);
            progress.Info($"fine-tune stage took {clock.Elapsed.TotalSeconds:F0} s; fitting the heads on the fine-tuned features.");
            return new ModelTrainer(progress).Train(o with { FineTuned = tuned }, ct);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); }
            catch (IOException) { }
        }
    }

    /// <summary>
    /// The grade an example is trained on: the photo's, unless it is a close-up copy cut from the leaf (which does not
    /// show the leaf's area), as the head trainer labels copies; -1 where there is none.
    /// </summary>
    private static int SeverityOf(LabelledImage image, MapEntry m, Dictionary<string, MapEntry> originals, TrainOptions o)
    {
        if (image.Severity is not { } grade) return -1;
        if (m.Copy == 0) return grade;
        var framing = originals.TryGetValue(m.RelativePath, out var original) ? original.Framing : Core.Preprocessing.Framing.CloseUp;
        return Augmenter.KindOfCopy(o.Seed, m.Sha256, m.Copy, framing, o.Preprocessing) == AugmentedKind.CloseUp ? -1 : grade;
    }

    /// <param name="workFolder">Where the tail's part files are written (the caller deletes it after the version is written).</param>
    public static FineTunedBackbone Run(TrainOptions o, FineTuneOptions fine, string workFolder, ITrainingProgress progress, Action<string> info, CancellationToken ct = default)
    {
        var backbone = Backbone.Load();
        var sources = o.DataFolders.Select(f => LabelledDataset.Load(f, seed: o.Seed)).ToList();
        var classes = sources.SelectMany(s => s.Classes).Distinct().Order(StringComparer.Ordinal).ToList();
        var train = new List<FineTuneExample>();
        var val = new List<FineTuneExample>();
        int computed = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using (var extractor = new MapExtractor(backbone, o.Preprocessing, o.CacheRoot, o.Seed))
        {
            foreach (var source in sources)
            {
                var used = source.Images.Where(i => i.Split is Split.Train or Split.Val).ToList();
                var jobs = used.Select(i => new FeatureJob(i.RelativePath))
                    .Concat(Enumerable.Range(1, o.Augment).SelectMany(k => used.Where(i => i.Split == Split.Train).Select(i => new FeatureJob(i.RelativePath, k)))).ToList();
                var name = Path.GetFileName(source.Root.TrimEnd(Path.DirectorySeparatorChar));
                progress.Stage($"Layer3 maps: {name}", jobs.Count);
                var (maps, unreadable) = extractor.ExtractAll(source.Root, jobs, p => progress.Advance(p.Done), ct);
                computed += extractor.Computed;
                foreach (var u in unreadable) info($"fine-tune: skipped unreadable image {name}/{u.RelativePath}: {u.Reason}");
                var byPath = used.ToDictionary(i => i.RelativePath);
                var originals = maps.Where(m => m.Copy == 0).ToDictionary(m => m.RelativePath);
                foreach (var m in maps)
                {
                    var image = byPath[m.RelativePath];
                    (image.Split == Split.Val ? val : train).Add(new FineTuneExample(m, classes.IndexOf(image.Class), Severity: SeverityOf(image, m, originals, o)));
                }
            }
        }
        if (train.Count == 0 || val.Count == 0) throw new DatasetException("--fine-tune needs labelled photos in both the train and the val split.");
        if (o.StressWeights == StressWeighting.FramingClass)
        {
            // The same weighting as the main-stress head's (--stress-weights framing-class), in the fine-tune's loss.
            var weights = ModelTrainer.FramingClassWeights([.. train.Select(e => (e.Maps.Framing, classes[e.Label]))]);
            train = [.. train.Select((e, i) => e with { Weight = weights[i] })];
        }
        info($"fine-tune: {train.Count} training maps (photos and copies), {val.Count} val photos; {computed} computed, the rest from the cache, in {clock.Elapsed.TotalSeconds:F0} s.");

        // Severity is learned jointly where the data has it (whole leaves), so the tail adapts to it too.
        int grades = fine.LearnSeverity ? train.Concat(val).Max(e => e.Severity) + 1 : 0;
        using var tuner = new TailFineTuner(backbone, classes.Count, o.Preprocessing.TileCount, fine.Seed, grades);
        int epoch = 0;
        var result = tuner.Train(train, val, fine, p =>
        {
            if (p.Stage != $"epoch {epoch}")
            {
                // After the first epoch, what the rest may cost at most (early stopping may end it sooner).
                if (epoch == 1) info($"fine-tune: epoch 1 took {clock.Elapsed.TotalSeconds:F0} s; at most {fine.MaxEpochs - 1} more, up to {clock.Elapsed.TotalMinutes * (fine.MaxEpochs - 1):F1} min.");
                clock.Restart();
                epoch++;
                progress.Stage($"Fine-tune epoch {epoch} (of at most {fine.MaxEpochs})", p.Total);
            }
            progress.Advance(p.Done);
        }, ct);
        foreach (var e in result.Epochs)
            info(e.Epoch == 0
                ? $"fine-tune: before any step, val loss {e.ValLoss:F4}, main-stress accuracy {e.ValAccuracy:F3}"
                : $"fine-tune: epoch {e.Epoch}: train loss {e.TrainLoss:F4}, val loss {e.ValLoss:F4}, main-stress accuracy {e.ValAccuracy:F3}{(double.IsNaN(e.ValSeverityAccuracy) ? "" : $", severity accuracy {e.ValSeverityAccuracy:F3}")} ({e.Took.TotalSeconds:F0} s)");
        info($"fine-tune: kept epoch {result.BestEpoch}{(result.StoppedEarly ? " (stopped early)" : "")}.");

        // The trained tail, written as changes from the NuGet weights; the backbone used from here on is that file
        // applied, so training's features (and its val report) are those the service computes.
        var edited = backbone.Model.Clone();
        tuner.Tail.Graph.WriteInitializers(edited.Graph);
        var names = tuner.Tail.Graph.InitializerParameters().Select(p => p.Initializer).Concat(tuner.Tail.Graph.InitializerBuffers().Select(b => b.Initializer)).ToList();
        Directory.CreateDirectory(workFolder);
        var tailFiles = FineTunedTail.Write(workFolder, backbone.Model.Graph, edited.Graph, names, backbone.Sha256()).Select(f => Path.Combine(workFolder, f)).ToList();
        info($"fine-tune: tail in {tailFiles.Count} part file(s), {string.Join(" + ", tailFiles.Select(f => (new FileInfo(f).Length / 1e6).ToString("F1", CultureInfo.InvariantCulture)))} MB ({names.Count} tensors).");

        var best = result.Best;
        var figures = new Dictionary<string, double>
        {
            ["fineTune.epochs"] = result.Epochs.Count - 1,
            ["fineTune.bestEpoch"] = result.BestEpoch,
            ["fineTune.maxEpochs"] = fine.MaxEpochs,
            ["fineTune.patience"] = fine.Patience,
            ["fineTune.batchSize"] = fine.BatchSize,
            ["fineTune.tailLearningRate"] = fine.TailLearningRate,
            ["fineTune.headLearningRate"] = fine.HeadLearningRate,
            ["fineTune.labelSmoothing"] = fine.LabelSmoothing,
            ["fineTune.valLossBefore"] = Math.Round(result.Epochs[0].ValLoss, 4),
            ["fineTune.valLossBest"] = Math.Round(best.ValLoss, 4),
            ["fineTune.severityGrades"] = grades,
            ["fineTune.valStressAccuracyBefore"] = Math.Round(result.Epochs[0].ValAccuracy, 4),
            ["fineTune.valStressAccuracyBest"] = Math.Round(best.ValAccuracy, 4),
        };
        if (!double.IsNaN(best.ValSeverityAccuracy))
        {
            figures["fineTune.valSeverityAccuracyBefore"] = Math.Round(result.Epochs[0].ValSeverityAccuracy, 4);
            figures["fineTune.valSeverityAccuracyBest"] = Math.Round(best.ValSeverityAccuracy, 4);
        }
        var selection = string.Create(CultureInfo.InvariantCulture,
            $"Backbone tail (layer3's second block and layer4) fine-tuned first with a main-stress head (and a severity head on the examples that carry a grade, its loss added) on {train.Count} training maps (Adam {fine.TailLearningRate} tail / {fine.HeadLearningRate} head, label smoothing {fine.LabelSmoothing}{(o.StressWeights == StressWeighting.FramingClass ? ", rows weighted so every framing x class pair has the same say" : "")}, BatchNormalization statistics frozen, seed {fine.Seed}); epoch {result.BestEpoch} of {result.Epochs.Count - 1} kept by val loss (patience {fine.Patience}); every head then refitted on the fine-tuned features.");
        return new FineTunedBackbone(FineTunedTail.Apply(backbone, tailFiles), tailFiles, Description, figures, selection);
    }
}
