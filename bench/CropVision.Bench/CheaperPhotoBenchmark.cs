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
        ],
    ];

    /// <summary>Raw batch-1 milliseconds per photo (median of rounds over the photos), passes per photo, and agreement with the first variant.</summary>
    public static List<Row> Run(string versionFolder, IReadOnlyList<Variant> variants, IReadOnlyList<byte[]> photos, int rounds, TextWriter log)
    {
        var backbone = Backbone.Load();
        var rows = new List<Row>();
        ModelOutput[]? reference = null;
        string primary = "";
        bool printedOps = false;
        foreach (var v in variants)
        {
            using var model = CropModel.Load(versionFolder, backbone, v.Session, v.Inference);
            if (v.Inference?.Int8Calibration is not null && !printedOps)
            {
                var ops = OnnxModel.OptimizedOperators(ModelPackage.Load(versionFolder, backbone, v.Inference).ToBytes(), v.Session);
                log.WriteLine($"  int8 graph as ONNX Runtime runs it: {string.Join(", ", ops.Select(o => $"{o.Key} {o.Value}"))}");
                printedOps = true;
            }
            primary = model.Manifest.PrimaryOutput;
            var tensors = photos.Select(p => ImagePreprocessor.Preprocess(p, model.Spec)).ToList();
            var outputs = tensors.Select(t => model.Run(t, 1)[0]).ToArray(); // also the warm-up
            var times = new List<double>();
            for (int r = 0; r < rounds; r++)
            {
                var sw = Stopwatch.StartNew();
                foreach (var t in tensors) model.Run(t, 1);
                times.Add(sw.Elapsed.TotalMilliseconds / tensors.Count);
            }
            times.Sort();
            reference ??= outputs;
            double agree = outputs.Zip(reference).Count(p => ArgMax(p.First.Probabilities[primary]) == ArgMax(p.Second.Probabilities[primary])) / (double)outputs.Length;
            double diff = outputs.Zip(reference).Max(p => p.First.Probabilities[primary].Zip(p.Second.Probabilities[primary]).Max(x => Math.Abs(x.First - x.Second)));
            var row = new Row(v.Name, times[times.Count / 2], model.PassesPerImage, agree, diff);
            rows.Add(row);
            log.WriteLine($"  {row.Name,-34} {row.MsPerPhoto,7:F1} ms/photo  {row.PassesPerPhoto:F2} passes/photo  top label = fp32 on {row.TopLabelAgreement:P0}, max |dp| {row.MaxProbabilityDiff:F3}");
        }
        return rows;
    }

    private static int ArgMax(float[] p) => Array.IndexOf(p, p.Max());
}
