using System.Diagnostics;
using CropVision.Core.Inference;
using CropVision.Core.Models;
using CropVision.Core.Preprocessing;

namespace CropVision.Bench;

/// <summary>
/// The ceiling: the composed model through ONNX Runtime directly, with the session configured as the service
/// configures it, on real preprocessed photos. No HTTP, no decoding, no queue.
/// </summary>
public static class RawBenchmark
{
    public sealed record Row(int Batch, double MsPerBatchMedian, double MsPerBatchP90, double ImagesPerSecond, int Runs);

    public static List<Row> Run(string versionFolder, SessionSettings settings, IReadOnlyList<int> batches, TimeSpan perBatch, TextWriter log)
    {
        using var model = CropModel.Load(versionFolder, Backbone.Load(), settings);
        var photos = BenchInputs.Photos(16);
        var tensors = photos.Select(p => ImagePreprocessor.Preprocess(p.Bytes, model.Spec)).ToList();
        var rows = new List<Row>();
        foreach (var batch in batches)
        {
            var input = new float[batch * model.Spec.FloatsPerImage];
            for (int i = 0; i < batch; i++) tensors[i % tensors.Count].CopyTo(input, i * model.Spec.FloatsPerImage);
            model.Run(input, batch); model.Run(input, batch); // warm-up
            var times = new List<double>();
            var total = Stopwatch.StartNew();
            while (total.Elapsed < perBatch || times.Count < 5)
            {
                var sw = Stopwatch.StartNew();
                model.Run(input, batch);
                times.Add(sw.Elapsed.TotalMilliseconds);
            }
            times.Sort();
            var row = new Row(batch, times[times.Count / 2], times[(int)Math.Ceiling(times.Count * 0.9) - 1], batch * times.Count / times.Sum() * 1000, times.Count);
            rows.Add(row);
            log.WriteLine($"  raw batch {batch,3}: {row.MsPerBatchMedian,8:F1} ms/batch (p90 {row.MsPerBatchP90:F1}) {row.ImagesPerSecond,8:F1} images/s  ({row.Runs} runs, {settings.ProviderName})");
        }
        return rows;
    }
}
