using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using CropVision.Core.Inference;

namespace CropVision.Bench;

/// <summary>One run of `all`: every figure, the five targets as ratios, and the markdown written to bench/results/.</summary>
public sealed class Results(DateTimeOffset at, string modelFolder, string provider)
{
    /// <summary>The service's batching settings as it reported them (GET /v1/models).</summary>
    public string ServiceBatching { get; set; } = "";
    public List<RawBenchmark.Row> Raw { get; set; } = [];
    public HttpLoad.Result? C1 { get; set; }
    public HttpLoad.Result? C8 { get; set; }
    public HttpLoad.Result? Overload { get; set; }
    public long OverloadMaxRss { get; set; }
    public long IdleRssBytes { get; set; }
    public List<(HttpLoad.Result Window, long Rss)> Soak { get; } = [];
    /// <summary>Per soak minute: the service's GC and thread pool, and the CPU others used (issue 11, item 4).</summary>
    public List<SoakDiagnostics.Window> SoakDiagnostics { get; } = [];
    public string SoakMachineBefore { get; set; } = "";
    public string SoakMachineAfter { get; set; } = "";
    /// <summary>Patient against impatient clients (issue 11, item 1), run with --overload.</summary>
    public List<ImpatientClients.Pair> Impatient { get; set; } = [];
    /// <summary>The service's admission limit as it reported it (Inference:MaxQueueWaitMilliseconds).</summary>
    public double MaxQueueWaitMs { get; set; } = 1200;
    public List<DecodeBenchmark.Row> Decode { get; set; } = [];
    public int UploadBytes { get; set; }
    public CheaperPhotoComparison.Report? CheaperPhoto { get; set; }
    public Fuzz.FuzzSummary? Fuzz { get; set; }

    private static string F(double v, string format = "F1") => double.IsNaN(v) ? "n/a" : v.ToString(format, CultureInfo.InvariantCulture);

    public string Table()
    {
        var sb = new StringBuilder();
        double rawBest = Raw.Max(r => r.ImagesPerSecond);
        var rawBatch1 = Raw.First(r => r.Batch == 1).MsPerBatchMedian;
        var decode4k = Decode.First(d => d.Input.StartsWith("4000") && d.Method.StartsWith("CropVision")).MedianMs;
        var imageSharp4k = Decode.First(d => d.Input.StartsWith("4000") && d.Method.StartsWith("ImageSharp")).MedianMs;
        sb.AppendLine("| # | target | measured | met |");
        sb.AppendLine("| --- | --- | --- | --- |");
        sb.AppendLine($"| 1 | service throughput at concurrency 8 (~{UploadBytes / 1024} KB uploads) >= 0.9 x raw | {F(C8!.Throughput, "F2")} vs raw {F(rawBest, "F2")} images/s = **{F(C8.Throughput / rawBest, "F2")} x** | {(C8.Throughput >= 0.9 * rawBest ? "yes" : "no")} |");
        sb.AppendLine($"| 2 | median latency at concurrency 1 <= raw batch-1 + 5 ms | {F(C1!.P50)} ms vs raw {F(rawBatch1)} ms = **+{F(C1.P50 - rawBatch1)} ms** | {(C1.P50 <= rawBatch1 + 5 ? "yes" : "no")} |");
        sb.AppendLine($"| 3 | 4000x3000 JPEG to tensor <= 45 ms median, one thread | **{F(decode4k)} ms** (ImageSharp full decode {F(imageSharp4k)} ms) | {(decode4k <= 45 ? "yes" : "no")} |");
        if (Decode.FirstOrDefault(d => d.Input.StartsWith("4000") && d.Method == DecodeBenchmark.SharpMethod) is { } sharp4k)
            sb.AppendLine($"| 3b | 4000x3000 JPEG to tensor at least as fast as sharp/libvips (same bytes, same run, interleaved, one thread) | **{F(decode4k)} ms** vs sharp {F(sharp4k.MedianMs)} ms = **{F(decode4k / sharp4k.MedianMs, "F2")} x** its time | {(decode4k <= sharp4k.MedianMs ? "yes" : "no")} |");
        if (Overload is { } o)
        {
            // Accepted p99 < 2 s was set against a 1.2 s admission limit: the bound scales with the limit in force.
            double p99Bound = 2000 * MaxQueueWaitMs / 1200;
            bool met = (double.IsNaN(o.RefusedP99) || o.RefusedP99 < 50) && (double.IsNaN(o.P99) || o.P99 < p99Bound) && OverloadMaxRss < 1.5e9 && o.Unanswered == 0;
            sb.AppendLine($"| 4 | overload at 3x capacity, 60 s: refusals < 50 ms, accepted p99 < {F(p99Bound / 1000, "F2")} s (2 s at a 1.2 s limit, scaled to the {F(MaxQueueWaitMs / 1000, "F1")} s limit), memory < 1.5 GB, none unanswered | refused p99 {F(o.RefusedP99)} ms; accepted p99 {F(o.P99)} ms; max RSS {F(OverloadMaxRss / 1e6, "F0")} MB; unanswered {o.Unanswered}; {o.Statuses} | {(met ? "yes" : "no")} |");
        }
        else sb.AppendLine("| 4 | overload at 3x capacity | not run (add --overload) | |");
        if (Soak.Count > 1)
        {
            // Steady: the last minutes are no slower and no bigger than the first ones (10% for noise), nothing refused or lost.
            var early = Soak.Take(3).ToList(); var late = Soak.TakeLast(3).ToList();
            double p99Early = early.Average(w => w.Window.P99), p99Late = late.Average(w => w.Window.P99);
            double rssEarly = early.Average(w => (double)w.Rss), rssLate = late.Average(w => (double)w.Rss);
            // Stable minute to minute: no minute's p99 over twice the median minute's.
            var minuteP99 = Soak.Select(w => w.Window.P99).Order().ToList();
            double p99Median = minuteP99[minuteP99.Count / 2], p99Worst = minuteP99[^1];
            bool steady = p99Late <= 1.1 * p99Early && p99Worst <= 2 * p99Median && rssLate <= 1.1 * rssEarly && Soak.All(w => w.Window.Unanswered == 0 && w.Window.ByStatus.Keys.All(k => k == 200));
            sb.AppendLine($"| 5 | steady for {Soak.Count} min at 70% of capacity | p99 first 3 min {F(p99Early)} ms, last 3 min {F(p99Late)} ms, worst minute {F(p99Worst)} ms vs median minute {F(p99Median)} ms; RSS {F(rssEarly / 1e6, "F0")} -> {F(rssLate / 1e6, "F0")} MB; {Soak.Sum(w => w.Window.ByStatus.GetValueOrDefault(200))} of {Soak.Sum(w => w.Window.Sent)} answered 200 | {(steady ? "yes" : "no")} |");
        }
        else sb.AppendLine("| 5 | 10 minutes at 70% of capacity | not run (add --soak-minutes 10) | |");
        if (Fuzz is { } fz)
            sb.AppendLine($"| 6 | fuzzed decoders: no crash, no hang, in a child process | {fz.Cases:N0} cases, **{fz.Crashes} crashes, {fz.Hangs} hangs**, {fz.CasesPerSecond:F0} cases/s, peak child RSS {fz.PeakChildRssBytes / 1e6:F0} MB (100k: `--fuzz-cases 100000`) | {(fz.Crashes + fz.Hangs == 0 ? "yes" : "no")} |");
        return sb.ToString();
    }

    public string Write(string folder, SessionSettings session)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, $"{at:yyyy-MM-dd}.md");
        var sb = new StringBuilder();
        sb.AppendLine($"# Benchmark results, {at:yyyy-MM-dd HH:mm} UTC");
        sb.AppendLine();
        sb.AppendLine($"Machine: {Environment.ProcessorCount} cores, {RuntimeInformation.ProcessArchitecture}, {RuntimeInformation.OSDescription}, {CpuModel()}, .NET {Environment.Version}.");
        sb.AppendLine($"Model: `models/{Path.GetFileName(Path.GetDirectoryName(modelFolder))}/{Path.GetFileName(modelFolder)}`; ONNX Runtime 1.31.0 ({provider}); raw session as the service configures it (intra-op threads {session.IntraOpThreads} = all cores, {session.Optimization}).");
        sb.AppendLine($"Service: Release build as a child process on loopback with its appsettings defaults; batching as it reported: {ServiceBatching}. Load: real BRACOL photos re-encoded as ~{UploadBytes / 1024} KB JPEGs; the load generator runs on the same machine. Admission limit: {F(MaxQueueWaitMs, "F0")} ms. Command: `dotnet run -c Release --project bench/CropVision.Bench -- all{(Overload is null ? "" : " --overload")}{(Soak.Count > 0 ? $" --soak-minutes {Soak.Count}" : "")}`.");
        sb.AppendLine();
        sb.AppendLine("## Targets");
        sb.AppendLine();
        sb.Append(Table());
        sb.AppendLine();
        sb.AppendLine("## Raw ONNX Runtime (the ceiling)");
        sb.AppendLine();
        sb.AppendLine("| batch | ms per batch (median) | p90 | images/s |");
        sb.AppendLine("| --- | --- | --- | --- |");
        foreach (var r in Raw) sb.AppendLine($"| {r.Batch} | {F(r.MsPerBatchMedian)} | {F(r.MsPerBatchP90)} | {F(r.ImagesPerSecond, "F2")} |");
        sb.AppendLine();
        sb.AppendLine("## Service over HTTP");
        sb.AppendLine();
        sb.AppendLine("| load | answers/s | p50 ms | p90 ms | p99 ms | max ms | statuses | unanswered |");
        sb.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var r in new[] { C1, C8, Overload }.Where(r => r is not null).Select(r => r!))
            sb.AppendLine($"| {r.Mode} | {F(r.Throughput, "F2")} | {F(r.P50)} | {F(r.P90)} | {F(r.P99)} | {F(r.Max)} | {r.Statuses} | {r.Unanswered} |");
        if (Impatient.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine($"Clients that resend at once when refused, against patient ones (closed loop; capacity = concurrency 8 above, {F(C8!.Throughput, "F2")}/s):");
            sb.AppendLine();
            sb.Append(ImpatientClients.Markdown(Impatient, C8.Throughput));
        }
        if (Soak.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("Soak, one line per minute:");
            sb.AppendLine();
            sb.AppendLine("| minute | p50 ms | p99 ms | RSS MB | statuses | GC pause ms | gen0/1/2 GCs | pool queue max | pool threads max | lock contentions | CPU service / bench / others (cores) | others, busiest second | slow requests (> 3x p50) | busiest other processes (cores) |");
            sb.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
            for (int i = 0; i < Soak.Count; i++)
            {
                var d = i < SoakDiagnostics.Count ? SoakDiagnostics[i] : null;
                sb.AppendLine($"| {i + 1} | {F(Soak[i].Window.P50)} | {F(Soak[i].Window.P99)} | {F(Soak[i].Rss / 1e6, "F0")} | {Soak[i].Window.Statuses} | " + (d is null ? "| | | | | | | | |" :
                    $"{F(d.GcPauseMs, "F0")} | {d.Gen0}/{d.Gen1}/{d.Gen2} | {F(d.ThreadPoolQueueMax, "F0")} | {F(d.ThreadPoolThreadsMax, "F0")} | {d.LockContentions} | {F(d.ServiceCores, "F2")} / {F(d.BenchCores, "F2")} / {F(d.OthersCores, "F2")} | {F(d.OthersCoresMax, "F2")} | {d.SlowNote} | {d.BusiestOthers} |"));
            }
            if (SoakMachineBefore.Length > 0)
            {
                sb.AppendLine();
                sb.AppendLine($"Machine before the soak: {SoakMachineBefore}. After: {SoakMachineAfter}. \"Others\" is CPU used by processes other than the service and this load generator, from /proc/stat each second; runtime counters are the service's System.Runtime meter read from its /metrics.");
            }
        }
        sb.AppendLine();
        sb.AppendLine("## Decode: image bytes to tensor, one thread");
        sb.AppendLine();
        sb.AppendLine("| input | method | median ms | p90 ms |");
        sb.AppendLine("| --- | --- | --- | --- |");
        foreach (var d in Decode) sb.AppendLine($"| {d.Input} | {d.Method} | {F(d.MedianMs)} | {F(d.P90Ms)} |");
        if (CheaperPhoto is { } cheaper) { sb.AppendLine(); sb.Append(cheaper.Markdown()); }
        if (Fuzz is { } fuzz) sb.AppendLine().AppendLine("## Fuzzed decoders").AppendLine().Append(CropVision.Bench.Fuzz.FuzzCommand.Markdown(fuzz));
        File.WriteAllText(path, sb.ToString());
        return path;
    }

    private static string CpuModel()
    {
        try { return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name"))?.Split(':')[1].Trim() ?? "unknown CPU"; }
        catch (IOException) { return "unknown CPU"; }
    }
}
