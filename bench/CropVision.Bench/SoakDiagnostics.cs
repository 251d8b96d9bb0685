using System.Diagnostics;
using System.Globalization;

namespace CropVision.Bench;

/// <summary>
/// What else happened while a soak ran, to explain its latency spikes: every second, the CPU the whole machine, the
/// service and this load generator used (/proc/stat, /proc/PID/stat; "others" is the rest: other processes on a shared
/// machine); every few seconds, the service's own .NET runtime counters from its /metrics (the System.Runtime meter:
/// GC pause time and collections by generation, thread-pool queue length and threads, lock contentions).
/// Scraping /metrics costs the service ~25-30 ms of CPU, so it is done every <c>scrapeEvery</c>, not every second.
/// </summary>
public sealed class SoakDiagnostics : IAsyncDisposable
{
    /// <summary>One sample: CPU in cores (0..N) over the last interval; runtime counters as read at that moment (cumulative ones raw).</summary>
    public sealed record Sample(DateTime At, double BusyCores, double ServiceCores, double BenchCores, Runtime? Counters);

    /// <summary>The service's System.Runtime counters at one scrape.</summary>
    public sealed record Runtime(double GcPauseSeconds, double Gen0, double Gen1, double Gen2, double ThreadPoolQueue, double ThreadPoolThreads, double LockContentions);

    /// <summary>A minute (or any window) in numbers, beside its latency.</summary>
    public sealed record Window(double GcPauseMs, int Gen0, int Gen1, int Gen2, double ThreadPoolQueueMax, double ThreadPoolThreadsMax, int LockContentions,
        double ServiceCores, double BenchCores, double OthersCores, double OthersCoresMax, int SlowRequests, double OthersCoresWhenSlow)
    {
        /// <summary>The other processes that used most CPU in the window (cores).</summary>
        public string BusiestOthers { get; init; } = "";
        /// <summary>Where the slow requests' time went, by the service's own timings (mean ms); the rest is HTTP, reading the body and waiting for a thread.</summary>
        public (double Total, double Decode, double Queue, double Inference) SlowSplit { get; init; }
        /// <summary>Cores used by other processes in the seconds slow requests were sent, against the window's mean.</summary>
        public string SlowNote => SlowRequests == 0 ? "none" : string.Create(CultureInfo.InvariantCulture,
            $"{SlowRequests}: mean {SlowSplit.Total:F0} ms = decode {SlowSplit.Decode:F0} + queue {SlowSplit.Queue:F0} + compute {SlowSplit.Inference:F0} + other {SlowSplit.Total - SlowSplit.Decode - SlowSplit.Queue - SlowSplit.Inference:F0}; others {OthersCoresWhenSlow:F2} cores in their seconds");
    }

    private readonly List<Sample> _samples = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    private SoakDiagnostics(int servicePid, HttpClient client, TimeSpan scrapeEvery) => _loop = Task.Run(() => Loop(servicePid, client, scrapeEvery));

    public static SoakDiagnostics Start(int servicePid, HttpClient client, TimeSpan scrapeEvery) => new(servicePid, client, scrapeEvery);

    public static bool Available => File.Exists("/proc/stat");

    private async Task Loop(int pid, HttpClient client, TimeSpan scrapeEvery)
    {
        var (busy, total) = MachineTicks();
        double service = ProcessTicks(pid), bench = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        var lastScrape = DateTime.MinValue;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), _stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            var (busy2, total2) = MachineTicks();
            double service2 = ProcessTicks(pid), bench2 = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
            double cores = Environment.ProcessorCount, seconds = (total2 - total) / TicksPerSecond / cores;
            if (seconds <= 0) continue;
            Runtime? counters = null;
            if (DateTime.UtcNow - lastScrape >= scrapeEvery)
            {
                counters = await Scrape(client);
                lastScrape = DateTime.UtcNow;
            }
            lock (_samples) _samples.Add(new Sample(DateTime.UtcNow, (busy2 - busy) / TicksPerSecond / seconds,
                (service2 - service) / TicksPerSecond / seconds, (bench2 - bench) / seconds, counters));
            (busy, total, service, bench) = (busy2, total2, service2, bench2);
        }
    }

    /// <summary>Sums the samples between two instants, and ties slow requests to the CPU others used in their second.</summary>
    public Window Summarize(DateTime from, DateTime to, HttpLoad.Result load)
    {
        List<Sample> all;
        lock (_samples) all = [.. _samples];
        var inside = all.Where(s => s.At > from && s.At <= to.AddSeconds(1)).ToList();
        // Cumulative counters: the last scrape at or before the window's start against the last one inside it.
        var before = all.LastOrDefault(s => s.At <= from && s.Counters is not null)?.Counters ?? inside.FirstOrDefault(s => s.Counters is not null)?.Counters;
        var last = inside.LastOrDefault(s => s.Counters is not null)?.Counters;
        double Delta(Func<Runtime, double> f) => before is null || last is null ? double.NaN : f(last) - f(before);
        double Others(Sample s) => Math.Max(0, s.BusyCores - s.ServiceCores - s.BenchCores);
        var scrapes = inside.Where(s => s.Counters is not null).Select(s => s.Counters!).ToList();

        // Slow: accepted and over three times the window's median (at least 500 ms).
        var slow = load.Requests.Where(r => r.Status == 200 && r.Ms > Math.Max(500, 3 * load.P50)).ToList();
        var slowAt = slow.Select(r => r.SentAt).ToList();
        var timed = slow.Where(r => r.Server is not null).ToList();
        var split = timed.Count == 0 ? (double.NaN, double.NaN, double.NaN, double.NaN)
            : (timed.Average(r => r.Ms), timed.Average(r => r.Server!.DecodeMs), timed.Average(r => r.Server!.QueueMs), timed.Average(r => r.Server!.InferenceMs));
        var slowSeconds = inside.Where(s => slowAt.Any(t => t > s.At.AddSeconds(-1) && t <= s.At.AddSeconds(1))).ToList();
        return new Window(Delta(r => r.GcPauseSeconds) * 1000, (int)Delta(r => r.Gen0), (int)Delta(r => r.Gen1), (int)Delta(r => r.Gen2),
            scrapes.Count == 0 ? double.NaN : scrapes.Max(r => r.ThreadPoolQueue), scrapes.Count == 0 ? double.NaN : scrapes.Max(r => r.ThreadPoolThreads),
            (int)Delta(r => r.LockContentions),
            Mean(inside, s => s.ServiceCores), Mean(inside, s => s.BenchCores), Mean(inside, Others), inside.Count == 0 ? double.NaN : inside.Max(Others),
            slowAt.Count, Mean(slowSeconds, Others))
        { SlowSplit = split };
    }

    private static double Mean(List<Sample> s, Func<Sample, double> f) => s.Count == 0 ? double.NaN : s.Average(f);

    /// <summary>The load average now.</summary>
    public static string Machine(int servicePid)
    {
        try { var load = File.ReadAllText("/proc/loadavg").Split(' '); return $"load average {load[0]} {load[1]} {load[2]}"; }
        catch (IOException) { return "load average unavailable"; }
    }

    /// <summary>CPU seconds so far of every other process, by pid (name: the program, and for dotnet the assembly it runs).</summary>
    public static Dictionary<int, (string Name, double Seconds)> OtherProcesses(int servicePid)
    {
        var result = new Dictionary<int, (string, double)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == servicePid || pid == Environment.ProcessId) continue;
            try
            {
                var args = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0', StringSplitOptions.RemoveEmptyEntries);
                if (args.Length == 0) continue; // kernel threads
                var name = Path.GetFileName(args[0]);
                if (name == "dotnet" && args.Length > 1) name = $"dotnet {Path.GetFileName(args.Skip(1).FirstOrDefault(a => !a.StartsWith('-')) ?? args[1])}";
                result[pid] = (name, ProcessTicks(pid) / TicksPerSecond);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return result;
    }

    /// <summary>The other processes that took most CPU between two snapshots, in cores over <paramref name="seconds"/>.</summary>
    public static string Busiest(Dictionary<int, (string Name, double Seconds)> before, Dictionary<int, (string Name, double Seconds)> after, double seconds, int top = 3)
    {
        var used = after.Select(p => (p.Value.Name, Cores: (p.Value.Seconds - (before.TryGetValue(p.Key, out var b) && b.Name == p.Value.Name ? b.Seconds : 0)) / seconds))
            .GroupBy(p => p.Name).Select(g => (Name: g.Key, Cores: g.Sum(p => p.Cores))).Where(p => p.Cores >= 0.01).OrderByDescending(p => p.Cores).Take(top).ToList();
        return used.Count == 0 ? "none" : string.Join(", ", used.Select(p => $"{p.Name} {p.Cores:F2}"));
    }

    private static (double Busy, double Total) MachineTicks()
    {
        // cpu  user nice system idle iowait irq softirq steal ...
        var f = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8)
            .Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        double total = f.Sum();
        return (total - f[3] - f[4], total);
    }

    private static double ProcessTicks(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' '); // after "pid (name) ": field 3 onwards
            return double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture); // utime + stime
        }
        catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException) { return 0; }
    }

    private static async Task<Runtime?> Scrape(HttpClient client)
    {
        try
        {
            var text = await client.GetStringAsync("/metrics");
            var values = new Dictionary<string, double>();
            foreach (var line in text.Split('\n'))
            {
                if (!line.StartsWith("system_runtime_dotnet_", StringComparison.Ordinal)) continue;
                int space = line.LastIndexOf(' ');
                if (space > 0 && double.TryParse(line[(space + 1)..], CultureInfo.InvariantCulture, out var v)) values[line[..space]] = v;
            }
            double Get(string name) => values.GetValueOrDefault(name, double.NaN);
            return new Runtime(Get("system_runtime_dotnet_gc_pause_time"),
                Get("system_runtime_dotnet_gc_collections{gc_heap_generation=\"gen0\"}"), Get("system_runtime_dotnet_gc_collections{gc_heap_generation=\"gen1\"}"),
                Get("system_runtime_dotnet_gc_collections{gc_heap_generation=\"gen2\"}"), Get("system_runtime_dotnet_thread_pool_queue_length"),
                Get("system_runtime_dotnet_thread_pool_thread_count"), Get("system_runtime_dotnet_monitor_lock_contentions"));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { return null; }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
