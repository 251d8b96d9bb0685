using System.Globalization;

namespace CropVision.Bench;

/// <summary>
/// `soak`: the soak of `all` on its own, to find what causes latency spikes: the service as a child process (with
/// `--set KEY=VALUE` settings or runtime variables such as DOTNET_gcServer=0), 70% of its measured capacity (or
/// `--rate`), open loop, one window per `--window-seconds`, each beside the service's GC and thread-pool counters
/// and the CPU other processes took.
/// </summary>
public static class SoakCommand
{
    public static async Task<int> Run(string repo, IReadOnlyList<byte[]> images, double? rate, int windows, TimeSpan window, IDictionary<string, string> settings, TimeSpan scrapeEvery, TextWriter log)
    {
        log.WriteLine($"== soak: service settings {(settings.Count == 0 ? "(defaults)" : string.Join(", ", settings.Select(kv => $"{kv.Key}={kv.Value}")))}");
        await using var service = await ServiceProcess.StartAsync(repo, settings, log);
        using var client = HttpLoad.Client(service.BaseUrl, 256);
        await HttpLoad.ClosedLoop(client, images, 2, TimeSpan.FromSeconds(3)); // warm-up
        if (rate is null)
        {
            var capacity = await HttpLoad.ClosedLoop(client, images, 8, TimeSpan.FromSeconds(15));
            rate = 0.7 * capacity.Throughput;
            log.WriteLine($"  capacity (closed loop, concurrency 8, 15 s): {capacity.Throughput:F2}/s; soak at 70%: {rate:F2} requests/s");
        }
        log.WriteLine($"  {SoakDiagnostics.Machine(service.Pid)}");
        log.WriteLine("| window | p50 ms | p99 ms | max ms | statuses | GC pause ms | gen0/1/2 | pool queue max | pool threads max | locks | CPU service / bench / others | others, busiest second | slow (> 3x p50) | busiest other processes (cores) |");
        log.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        await using var diagnostics = SoakDiagnostics.Start(service.Pid, client, scrapeEvery);
        var all = new List<HttpLoad.Result>();
        for (int w = 0; w < windows; w++)
        {
            var from = DateTime.UtcNow;
            var others = SoakDiagnostics.OtherProcesses(service.Pid);
            var r = await HttpLoad.OpenLoop(client, images, rate.Value, window);
            var busiest = SoakDiagnostics.Busiest(others, SoakDiagnostics.OtherProcesses(service.Pid), (DateTime.UtcNow - from).TotalSeconds);
            var d = diagnostics.Summarize(from, DateTime.UtcNow, r);
            all.Add(r);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {w + 1} | {r.P50:F0} | {r.P99:F0} | {r.Max:F0} | {r.Statuses}{(r.ByStatus.ContainsKey(503) ? $" (503 p99 {r.RefusedP99:F0} ms)" : "")} | {d.GcPauseMs:F0} | {d.Gen0}/{d.Gen1}/{d.Gen2} | {d.ThreadPoolQueueMax:F0} | {d.ThreadPoolThreadsMax:F0} | {d.LockContentions} | {d.ServiceCores:F2} / {d.BenchCores:F2} / {d.OthersCores:F2} | {d.OthersCoresMax:F2} | {d.SlowNote} | {busiest} |"));
        }
        log.WriteLine($"  {SoakDiagnostics.Machine(service.Pid)}");
        log.WriteLine($"  total: {all.Sum(r => r.ByStatus.GetValueOrDefault(200))} of {all.Sum(r => r.Sent)} answered 200; window p99 {string.Join(", ", all.Select(r => r.P99.ToString("F0", CultureInfo.InvariantCulture)))} ms");
        return 0;
    }
}
