using System.Diagnostics;
using CropVision.Core.Inference;
using CropVision.Core.Models;
using CropVision.Core.Preprocessing;

namespace CropVision.Bench;

/// <summary>
/// Issue 11 item 2: the ways to make a photo cheaper on the CPU (int8 backbone, early exit, fewer views, session
/// settings), each run through the project's own inference path (<see cref="CropModel"/>) on the same real photos.
/// </summary>
public static class CheaperPhotoBenchmark
{
    public sealed record Variant(string Name, InferenceSpec? Inference, SessionSettings Session);
    public sealed record Row(string Name, double MsPerPhoto, double PassesPerPhoto, double TopLabelAgreement, double MaxProbabilityDiff);

    /// <summary>The variants compared: today's fp32 four views, and each cheaper way alone and combined.</summary>
    /// <param name="int8Calibration">Calibration file for the int8 variants; null leaves them out.</param>
    public static List<Variant> Variants(string? int8Calibration, double confidentAbove, SessionSettings session) =>
    [
        new("fp32, 4 views (today)", new(), session),
        new(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"fp32, early exit (< {confidentAbove:0.##})"), new() { EarlyExit = new() { ConfidentAbove = confidentAbove } }, session),
        new("fp32, 2 views (first flip only)", new() { EarlyExit = new() { ConfidentAbove = 0 } }, session),
        .. int8Calibration is null ? Array.Empty<Variant>() :
        [
            new("int8, 4 views", new() { Int8Calibration = int8Calibration }, session),
            new(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"int8, early exit (< {confidentAbove:0.##})"), new() { Int8Calibration = int8Calibration, EarlyExit = new() { ConfidentAbove = confidentAbove } }, session),
            new("int8, 2 views (first flip only)", new() { Int8Calibration = int8Calibration, EarlyExit = new() { ConfidentAbove = 0 } }, session),
            // Session settings on the int8 early exit (service keys Inference:IntraOpThreads, Inference:AllowSpinning).
            new("int8, early exit, 1 intra-op thread", new() { Int8Calibration = int8Calibration, EarlyExit = new() { ConfidentAbove = confidentAbove } }, session with { IntraOpThreads = 1 }),
            new("int8, early exit, threads spinning", new() { Int8Calibration = int8Calibration, EarlyExit = new() { ConfidentAbove = confidentAbove } }, session with { AllowSpinning = true }),
        ],
    ];

    /// <summary>
    /// Raw batch-1 milliseconds per photo (median over rounds; in each round every variant takes its turn over the same
    /// photos, so a change in the machine's load hits them alike), passes per photo, and agreement with the first variant.
    /// </summary>
    public static List<Row> Run(string versionFolder, IReadOnlyList<Variant> variants, IReadOnlyList<byte[]> photos, int rounds, TextWriter log)
    {
        var backbone = Backbone.Load();
        var models = new List<CropModel>();
        try
        {
            foreach (var v in variants)
            {
                models.Add(CropModel.Load(versionFolder, backbone, v.Session, v.Inference));
                if (v.Inference?.Int8Calibration is not null && models.Count(m => m.Manifest.Inference?.Int8Calibration is not null) == 1)
                {
                    var ops = OnnxModel.OptimizedOperators(ModelPackage.Load(versionFolder, backbone, v.Inference).ToBytes(), v.Session);
                    log.WriteLine($"  int8 graph as ONNX Runtime runs it: {string.Join(", ", ops.Select(o => $"{o.Key} {o.Value}"))}");
                }
            }
            var primary = models[0].Manifest.PrimaryOutput;
            var tensors = photos.Select(p => ImagePreprocessor.Preprocess(p, models[0].Spec)).ToList();
            var outputs = models.Select(m => tensors.Select(t => m.Run(t, 1)[0]).ToArray()).ToList(); // also the warm-up
            var passes = models.Select(m => m.PassesPerImage).ToList();
            var times = models.Select(_ => new List<double>()).ToList();
            for (int r = 0; r < rounds; r++)
                for (int i = 0; i < models.Count; i++)
                {
                    var sw = Stopwatch.StartNew();
                    foreach (var t in tensors) models[i].Run(t, 1);
                    times[i].Add(sw.Elapsed.TotalMilliseconds / tensors.Count);
                }
            var rows = new List<Row>();
            for (int i = 0; i < models.Count; i++)
            {
                times[i].Sort();
                double agree = outputs[i].Zip(outputs[0]).Count(p => ArgMax(p.First.Probabilities[primary]) == ArgMax(p.Second.Probabilities[primary])) / (double)tensors.Count;
                double diff = outputs[i].Zip(outputs[0]).Max(p => p.First.Probabilities[primary].Zip(p.Second.Probabilities[primary]).Max(x => Math.Abs(x.First - x.Second)));
                var row = new Row(variants[i].Name, times[i][times[i].Count / 2], passes[i], agree, diff);
                rows.Add(row);
                log.WriteLine($"  {row.Name,-34} {row.MsPerPhoto,7:F1} ms/photo  {row.PassesPerPhoto:F2} passes/photo  top label = first variant's on {row.TopLabelAgreement:P0}, max |dp| {row.MaxProbabilityDiff:F3}");
            }
            return rows;
        }
        finally
        {
            foreach (var m in models) m.Dispose();
        }
    }

    private static int ArgMax(float[] p) => Array.IndexOf(p, p.Max());
}
