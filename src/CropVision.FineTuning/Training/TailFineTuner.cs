using System.Diagnostics;
using CropVision.Core.Models;
using CropVision.FineTuning.Maps;
using CropVision.FineTuning.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace CropVision.FineTuning.Training;

/// <summary>
/// A photo (or augmented copy) for the fine-tune: its cached maps, the index of its main stress, its weight in the
/// training loss (e.g. <c>--stress-weights framing-class</c>; 1 for all: the plain mean), and its severity grade
/// (-1 where unknown: close-ups, sources without severity).
/// </summary>
public sealed record FineTuneExample(MapEntry Maps, int Label, float Weight = 1, int Severity = -1);

/// <summary>
/// Trains the backbone's tail (layer3's second block and layer4, from cached maps) jointly with a linear main-stress
/// head on the pooled features, with fixed seeds and early stopping on val loss; the best epoch's weights are kept.
/// Like the composed graph, a photo's tiles of one flip are averaged into one feature vector; at val the flips'
/// probabilities are averaged. BatchNormalization keeps the backbone's statistics (eval mode): batches of a few photos
/// would give noisy ones.
/// </summary>
public sealed class TailFineTuner : IDisposable
{
    private readonly TorchBackbone _tail;
    private readonly nn.Module<Tensor, Tensor> _head;
    private readonly nn.Module<Tensor, Tensor>? _severityHead;
    private readonly int _tiles;

    public TorchBackbone Tail => _tail;
    public nn.Module<Tensor, Tensor> Head => _head;

    /// <param name="severityGrades">
    /// Above 0: a severity head is trained beside the stress head, on the examples that carry a grade, so the tail also
    /// learns what the leaf-wide severity needs (its loss is added to the stress loss, and to the val loss that picks
    /// the epoch).
    /// </param>
    public TailFineTuner(Backbone backbone, int classes, int tilesPerFlip, int seed, int severityGrades = 0)
    {
        torch.manual_seed(seed);
        _tail = TorchBackbone.Tail(backbone);
        _head = nn.Linear(512, classes);
        _severityHead = severityGrades > 0 ? nn.Linear(512, severityGrades) : null;
        _tiles = tilesPerFlip;
    }

    private IEnumerable<TorchSharp.Modules.Parameter> HeadParameters() => _head.parameters().Concat(_severityHead?.parameters() ?? []);

    public FineTuneResult Train(IReadOnlyList<FineTuneExample> train, IReadOnlyList<FineTuneExample> val, FineTuneOptions options,
        Action<StageProgress>? onProgress = null, CancellationToken ct = default)
    {
        TorchRuntime.Initialize(options.Threads);
        torch.manual_seed(options.Seed);
        _tail.eval();
        _head.train();
        // One optimizer per learning rate: the pretrained tail moves slowly, the new head fast.
        using var tailOptimizer = torch.optim.Adam(_tail.parameters(), options.TailLearningRate);
        using var headOptimizer = torch.optim.Adam(HeadParameters(), options.HeadLearningRate);
        var groups = Groups(train);
        bool weighted = train.Any(e => e.Weight != 1);
        var epochs = new List<EpochResult> { Evaluate(0, double.NaN, val, TimeSpan.Zero) };
        var best = Snapshot();
        int bestEpoch = 0, sinceBest = 0;
        var random = new Random(options.Seed);
        var clock = Stopwatch.StartNew();
        bool early = false;
        for (int epoch = 1; epoch <= options.MaxEpochs; epoch++)
        {
            var started = clock.Elapsed;
            var order = groups.OrderBy(_ => random.Next()).ToList();
            double lossSum = 0;
            int batches = 0;
            for (int at = 0; at < order.Count; at += options.BatchSize)
            {
                ct.ThrowIfCancellationRequested();
                var batch = order.Skip(at).Take(options.BatchSize).ToList();
                using var scope = torch.NewDisposeScope();
                var features = Features(Stack(batch.Select(b => (b.Example.Maps.Maps, b.First))), batch.Count);
                var logits = _head.forward(features);
                var labels = torch.tensor(batch.Select(b => (long)b.Example.Label).ToArray());
                var loss = weighted
                    ? WeightedLoss(logits, labels, batch.Select(b => b.Example.Weight).ToArray(), options.LabelSmoothing)
                    : nn.functional.cross_entropy(logits, labels, label_smoothing: options.LabelSmoothing);
                var graded = batch.Select((b, i) => (b.Example.Severity, i)).Where(x => x.Severity >= 0).ToList();
                if (_severityHead is not null && graded.Count > 0)
                {
                    var rows = features.index_select(0, torch.tensor(graded.Select(x => (long)x.i).ToArray()));
                    var grades = torch.tensor(graded.Select(x => (long)x.Severity).ToArray());
                    loss = loss + nn.functional.cross_entropy(_severityHead.forward(rows), grades, label_smoothing: options.LabelSmoothing);
                }
                tailOptimizer.zero_grad();
                headOptimizer.zero_grad();
                loss.backward();
                tailOptimizer.step();
                headOptimizer.step();
                lossSum += loss.item<float>();
                batches++;
                onProgress?.Invoke(new StageProgress($"epoch {epoch}", Math.Min(at + options.BatchSize, order.Count), order.Count, clock.Elapsed - started));
            }
            var result = Evaluate(epoch, lossSum / Math.Max(1, batches), val, clock.Elapsed - started);
            epochs.Add(result);
            if (result.ValLoss < epochs.Single(e => e.Epoch == bestEpoch).ValLoss)
            {
                DisposeAll(best);
                best = Snapshot();
                bestEpoch = epoch;
                sinceBest = 0;
            }
            else if (++sinceBest >= options.Patience)
            {
                early = epoch < options.MaxEpochs;
                break;
            }
        }
        Restore(best);
        DisposeAll(best);
        return new FineTuneResult(epochs, bestEpoch, early);
    }

    /// <summary>Smoothed cross-entropy per flip group, averaged with the groups' weights.</summary>
    public static Tensor WeightedLoss(Tensor logits, Tensor labels, float[] weights, double smoothing)
    {
        var each = nn.functional.cross_entropy(logits, labels, reduction: nn.Reduction.None, label_smoothing: smoothing);
        var w = torch.tensor(weights);
        return (each * w).sum() / w.sum();
    }

    /// <summary>Main-stress probabilities of one photo: tiles averaged per flip, flips' probabilities averaged.</summary>
    public float[] Predict(MapEntry maps) => PredictBoth(maps).Stress;

    /// <summary>Main-stress and (without a severity head: empty) severity probabilities of one photo, flips averaged.</summary>
    public (float[] Stress, float[] Severity) PredictBoth(MapEntry maps)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        int flips = maps.Views / _tiles;
        var features = Features(Stack(Enumerable.Range(0, flips).Select(f => (maps.Maps, f * _tiles))), flips);
        var stress = nn.functional.softmax(_head.forward(features), 1).mean([0]).data<float>().ToArray();
        var severity = _severityHead is null ? [] : nn.functional.softmax(_severityHead.forward(features), 1).mean([0]).data<float>().ToArray();
        return (stress, severity);
    }

    private EpochResult Evaluate(int epoch, double trainLoss, IReadOnlyList<FineTuneExample> val, TimeSpan took)
    {
        double loss = 0, severityLoss = 0;
        int right = 0, graded = 0, gradedRight = 0;
        foreach (var example in val)
        {
            var (p, s) = PredictBoth(example.Maps);
            loss -= Math.Log(Math.Max(p[example.Label], 1e-12));
            if (Array.IndexOf(p, p.Max()) == example.Label) right++;
            if (s.Length == 0 || example.Severity < 0) continue;
            graded++;
            severityLoss -= Math.Log(Math.Max(s[example.Severity], 1e-12));
            if (Array.IndexOf(s, s.Max()) == example.Severity) gradedRight++;
        }
        double valLoss = loss / Math.Max(1, val.Count) + (graded > 0 ? severityLoss / graded : 0);
        return new EpochResult(epoch, trainLoss, valLoss, (double)right / Math.Max(1, val.Count), took, graded > 0 ? (double)gradedRight / graded : double.NaN);
    }

    /// <summary>Every flip group of every example: an original gives one per flip, a copy one.</summary>
    private List<(FineTuneExample Example, int First)> Groups(IReadOnlyList<FineTuneExample> examples) =>
        [.. examples.SelectMany(e => Enumerable.Range(0, e.Maps.Views / _tiles).Select(f => (e, f * _tiles)))];

    /// <summary>[groups * tiles, 256, 14, 14] from the fp16 maps (converted here; the cache keeps fp16).</summary>
    private Tensor Stack(IEnumerable<(Half[] Maps, int FirstView)> groups)
    {
        var list = groups.ToList();
        int per = MapGraph.FloatsPerView * _tiles;
        var floats = new float[list.Count * per];
        for (int g = 0; g < list.Count; g++)
        {
            var source = list[g].Maps.AsSpan(list[g].FirstView * MapGraph.FloatsPerView, per);
            for (int i = 0; i < per; i++) floats[g * per + i] = (float)source[i];
        }
        return torch.tensor(floats, [list.Count * _tiles, MapGraph.Channels, MapGraph.Side, MapGraph.Side]).clone();
    }

    /// <summary>Pooled layer4 features per flip group (its tiles averaged, as the composed graph does): [groups, 512].</summary>
    private Tensor Features(Tensor views, int groups) => _tail.forward(views).reshape(groups, _tiles, 512).mean([1]);

    private List<Tensor> Snapshot()
    {
        using var _ = torch.no_grad();
        return [.. _tail.parameters().Concat(HeadParameters()).Select(p => p.detach().clone().DetachFromDisposeScope())];
    }

    private void Restore(List<Tensor> saved)
    {
        using var _ = torch.no_grad();
        foreach (var (p, s) in _tail.parameters().Concat(HeadParameters()).Zip(saved)) p.copy_(s);
    }

    private static void DisposeAll(List<Tensor> tensors)
    {
        foreach (var t in tensors) t.Dispose();
    }

    public void Dispose()
    {
        _tail.Dispose();
        _head.Dispose();
        _severityHead?.Dispose();
    }
}
