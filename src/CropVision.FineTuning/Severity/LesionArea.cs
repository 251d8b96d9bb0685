using CropVision.Core.Inference;
using CropVision.Core.Models;
using CropVision.Core.Preprocessing;
using CropVision.FineTuning.Maps;
using CropVision.FineTuning.Torch;
using CropVision.Learning.Data;
using CropVision.Learning.Features;
using TorchSharp;
using static TorchSharp.torch;

namespace CropVision.FineTuning.Severity;

/// <summary>What <see cref="LesionArea.Measure"/> found, on whole leaves with a severity grade.</summary>
public sealed record LesionAreaResult(
    int TrainLeaves, int ValLeaves, double MarginAbove, double[] CutPoints, double TrainAccuracy, double ValAccuracy, double ValMae,
    double HeadValAccuracy, double HeadValMae, IReadOnlyList<(int Grade, double MeanShare, int Leaves)> ValSharePerGrade);

/// <summary>
/// Severity from lesion area (issue 16, item 3), measured against the severity head: per-location stress scores from
/// a class-activation map (the version's main-stress head applied to every 7x7 location of layer4 of its own,
/// possibly fine-tuned, backbone), a location counting as diseased where its largest disease logit exceeds its
/// "healthy" logit by more than a margin (chosen on train from the deciles of the train leaves' margins);
/// the share of the leaf's locations (32x32-pixel cells of the wide views that are not plain background,
/// <see cref="PlainBackground"/>) that are diseased; and the 0-4 grade from four cut points on that share, fitted on
/// train leaves (the most train leaves right), scored on val beside the head's own grade for the same leaves.
/// </summary>
public static class LesionArea
{
    // Layer4 locations (7x7 per tile, a 32-pixel cell each) and channels; the head's features are pooled layer3 (the
    // tail's input map, MapGraph.Channels) then layer4, so a weight row is Layer3 + Channels long.
    private const int Cell = 32, Side = 7, Channels = 512, Layer3 = MapGraph.Channels, Features = Layer3 + Channels;

    public static LesionAreaResult Measure(string versionFolder, string dataFolder, string? cacheRoot, int seed, int threads,
        Action<string> info, Action<int, int>? progress = null, CancellationToken ct = default)
    {
        var manifest = ModelManifest.Read(versionFolder);
        if (!manifest.Backbone.Layers.SequenceEqual(["layer3", "layer4"]))
            throw new DatasetException($"The lesion-area measure needs a version on layers layer3,layer4; {versionFolder} has {string.Join(",", manifest.Backbone.Layers)}.");
        var spec = manifest.Preprocessing;
        var nuget = Backbone.Load();
        var backbone = ModelPackage.BackboneFor(versionFolder, manifest, nuget);
        var head = OnnxFile.Read(Path.Combine(versionFolder, manifest.Head));
        var (mean, invStd, weights, bias) = HeadGraph.Linear(head, manifest.PrimaryOutput);
        var labels = manifest.Task(manifest.PrimaryOutput).Labels;
        int healthy = labels.ToList().IndexOf("healthy");
        if (healthy < 0) throw new DatasetException("The main stress has no 'healthy' label to measure lesions against.");
        if (!manifest.Tasks.Any(t => t.Output == TaskNames.Severity)) throw new DatasetException("The version has no severity output to compare with.");

        var data = LabelledDataset.Load(dataFolder, seed: seed);
        var graded = data.Images.Where(i => i.Severity is not null && i.Split is Split.Train or Split.Val).ToList();
        if (graded.Count == 0) throw new DatasetException($"{dataFolder} has no train or val photo with a severity grade.");
        List<MapEntry> maps;
        using (var extractor = new MapExtractor(backbone, spec, cacheRoot, seed))
            (maps, _) = extractor.ExtractAll(data.Root, [.. graded.Select(i => new FeatureJob(i.RelativePath))], p => progress?.Invoke(p.Done, p.Total), ct);
        var byPath = graded.ToDictionary(i => i.RelativePath);

        TorchRuntime.Initialize(threads);
        using var tail = new OnnxTorchGraph(backbone.Model.Graph, TorchBackbone.TailStart, TorchBackbone.Layer4Output, "tail");
        tail.eval();
        using var model = CropModel.Load(versionFolder, nuget);
        var train = new List<(double[] Margins, int Grade)>();
        var val = new List<(double[] Margins, int Grade, int Head)>();
        int tiles = spec.TileCount;
        foreach (var m in maps.Where(m => m.Framing == Framing.Wide))
        {
            ct.ThrowIfCancellationRequested();
            var image = byPath[m.RelativePath];
            var bytes = File.ReadAllBytes(image.FullPath(data.Root));
            var margins = Margins(tail, m, bytes, spec, tiles, mean, invStd, weights, bias, labels.Count, healthy);
            if (image.Split == Split.Train) { train.Add((margins, image.Severity!.Value)); continue; }
            var sev = model.Predict(bytes).Probabilities[TaskNames.Severity];
            val.Add((margins, image.Severity!.Value, Array.IndexOf(sev, sev.Max())));
        }
        if (train.Count == 0 || val.Count == 0) throw new DatasetException("The lesion-area measure needs whole leaves with grades in both train and val.");
        // The margin and the cut points: whichever decile of the train margins gets the most train leaves right.
        var all = train.SelectMany(t => t.Margins).Order().ToArray();
        var fits = Enumerable.Range(1, 9).Select(d => all[all.Length * d / 10]).Distinct().Select(above =>
        {
            var shares = train.Select(t => (Share(t.Margins, above), t.Grade)).ToList();
            var cuts = FitCutPoints(shares, 5);
            return (Above: above, Cuts: cuts, Right: shares.Count(x => cuts.Count(c => x.Item1 >= c) == x.Grade));
        }).ToList();
        var best = fits.MaxBy(f => f.Right);
        int Grade(double[] margins) => best.Cuts.Count(c => Share(margins, best.Above) >= c);
        info($"lesion area: {train.Count} train and {val.Count} val whole leaves; margin {best.Above:F3}, cut points {string.Join(", ", best.Cuts.Select(c => c.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)))}");
        return new LesionAreaResult(train.Count, val.Count, best.Above, best.Cuts,
            (double)best.Right / train.Count, val.Average(v => Grade(v.Margins) == v.Grade ? 1.0 : 0),
            val.Average(v => Math.Abs(Grade(v.Margins) - v.Grade)),
            val.Average(v => v.Head == v.Grade ? 1.0 : 0), val.Average(v => Math.Abs(v.Head - v.Grade)),
            [.. val.GroupBy(v => v.Grade).OrderBy(g => g.Key).Select(g => (g.Key, g.Average(v => Share(v.Margins, best.Above)), g.Count()))]);
    }

    private static double Share(double[] margins, double above) => margins.Length == 0 ? 0 : margins.Count(m => m > above) / (double)margins.Length;

    /// <summary>Per leaf cell of the first flip's tiles: the largest disease logit minus the healthy logit.</summary>
    private static double[] Margins(OnnxTorchGraph tail, MapEntry m, byte[] bytes, PreprocessingSpec spec, int tiles,
        float[] mean, float[] invStd, float[] weights, float[] bias, int classes, int healthy)
    {
        float[] layer4;
        float[] layer3Pooled = new float[Layer3];
        using (var scope = torch.NewDisposeScope())
        using (torch.no_grad())
        {
            var input = new float[tiles * MapGraph.FloatsPerView];
            for (int i = 0; i < input.Length; i++) input[i] = (float)m.Maps[i];
            for (int t = 0; t < tiles; t++)
                for (int c = 0; c < Layer3; c++)
                {
                    double sum = 0;
                    int at = t * MapGraph.FloatsPerView + c * MapGraph.Side * MapGraph.Side;
                    for (int j = 0; j < MapGraph.Side * MapGraph.Side; j++) sum += input[at + j];
                    layer3Pooled[c] += (float)(sum / (MapGraph.Side * MapGraph.Side) / tiles);
                }
            layer4 = tail.forward(torch.tensor(input, [tiles, MapGraph.Channels, MapGraph.Side, MapGraph.Side])).data<float>().ToArray();
        }
        // The image-level part of every location's logits: bias and the pooled layer3 features.
        var constant = new double[classes];
        for (int c = 0; c < classes; c++)
        {
            double s = bias[c];
            for (int k = 0; k < Layer3; k++) s += weights[c * Features + k] * (layer3Pooled[k] - mean[k]) * invStd[k];
            constant[c] = s;
        }
        using var resized = ImagePreprocessor.DecodeAndResize(bytes, spec, out _);
        var pixels = resized.GetPixelSpan();
        var margins = new List<double>();
        var logits = new double[classes];
        for (int t = 0; t < tiles; t++)
            for (int y = 0; y < Side; y++)
                for (int x = 0; x < Side; x++)
                {
                    if (!IsLeafCell(pixels, resized.RowBytes, t * spec.TileSize + x * Cell, y * Cell)) continue;
                    for (int c = 0; c < classes; c++)
                    {
                        double s = constant[c];
                        for (int k = 0; k < Channels; k++)
                            s += weights[c * Features + Layer3 + k] * (layer4[((t * Channels + k) * Side + y) * Side + x] - mean[Layer3 + k]) * invStd[Layer3 + k];
                        logits[c] = s;
                    }
                    double disease = double.NegativeInfinity;
                    for (int c = 0; c < classes; c++) if (c != healthy) disease = Math.Max(disease, logits[c]);
                    margins.Add(disease - logits[healthy]);
                }
        return [.. margins];
    }

    private static bool IsLeafCell(ReadOnlySpan<byte> pixels, int rowBytes, int x0, int y0)
    {
        int plain = 0;
        for (int y = y0; y < y0 + Cell; y += 2)
            for (int x = x0; x < x0 + Cell; x += 2)
            {
                int i = y * rowBytes + x * 4;
                if (PlainBackground.IsPlain(pixels[i], pixels[i + 1], pixels[i + 2])) plain++;
            }
        return plain * 2 < (Cell / 2) * (Cell / 2);
    }

    /// <summary>
    /// Ascending cut points (grades - 1 of them) on the share that get the most training leaves right: leaves sorted
    /// by share, grades non-decreasing along that order (a dynamic programme over runs of equal shares).
    /// </summary>
    public static double[] FitCutPoints(IReadOnlyList<(double Share, int Grade)> train, int grades)
    {
        var runs = train.GroupBy(t => t.Share).OrderBy(g => g.Key).Select(g => (Share: g.Key, Counts: Enumerable.Range(0, grades).Select(k => g.Count(t => t.Grade == k)).ToArray())).ToList();
        int n = runs.Count;
        var best = new int[n + 1, grades];
        var from = new int[n + 1, grades];
        for (int i = 1; i <= n; i++)
            for (int g = 0; g < grades; g++)
            {
                // Run i-1 gets grade g; the previous run had grade <= g.
                int prev = int.MinValue, arg = 0;
                for (int h = 0; h <= g; h++)
                    if (best[i - 1, h] > prev) { prev = best[i - 1, h]; arg = h; }
                best[i, g] = prev + runs[i - 1].Counts[g];
                from[i, g] = arg;
            }
        int last = Enumerable.Range(0, grades).MaxBy(g => best[n, g]);
        var assigned = new int[n];
        for (int i = n, g = last; i >= 1; i--) { assigned[i - 1] = g; g = from[i, g]; }
        var cuts = new double[grades - 1];
        for (int k = 1; k < grades; k++)
        {
            // The cut to grade k: midway between the last run below k and the first at or above it.
            int first = Array.FindIndex(assigned, a => a >= k);
            cuts[k - 1] = first < 0 ? double.PositiveInfinity : first == 0 ? double.NegativeInfinity : (runs[first - 1].Share + runs[first].Share) / 2;
        }
        return cuts;
    }
}
