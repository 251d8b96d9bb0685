using System.Globalization;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using CropVision.Bench;
using CropVision.Core.Inference;
using CropVision.Core.Models;

// cropvision-bench all|raw|http|decode [options]; see README "Benchmarks".
var opts = Options.Parse(args);
var repo = Options.RepoRoot();
var modelFolder = ModelRepository.ResolveVersionFolder(opts.Get("--model", Path.Combine(repo, "models", "coffee")));
var log = Console.Out;
// The service's session settings (appsettings.json): all cores, full graph optimisation, CUDA when it loads.
var device = opts.Get("--device", "auto");
var cuda = device != "cpu" && opts.Command is "raw" or "all" && CudaProbe.TryLoad(0, out _);
var session = new SessionSettings { UseCuda = cuda };

switch (opts.Command)
{
    case "raw":
        RawBenchmark.Run(modelFolder, session, opts.Ints("--batches", [1, 4, 8, 16]), TimeSpan.FromSeconds(opts.Double("--seconds", 5)), log);
        return 0;
    case "decode":
        RunDecode(opts.Int("--iterations", 15));
        return 0;
    case "http":
    {
        var images = Uploads(opts.Int("--upload-kb", 100));
        using var client = HttpLoad.Client(opts.Get("--url", "http://localhost:5000"), 256);
        var result = opts.Has("--rate")
            ? await HttpLoad.OpenLoop(client, images, opts.Double("--rate", 10), TimeSpan.FromSeconds(opts.Double("--duration", 30)))
            : await HttpLoad.ClosedLoop(client, images, opts.Int("--concurrency", 8), TimeSpan.FromSeconds(opts.Double("--duration", 30)));
        Print(result);
        return 0;
    }
    case "node":
    {
        var cheaper = await CheaperPhoto();
        log.WriteLine();
        log.WriteLine(cheaper.Markdown());
        return 0;
    }
    case "soak":
        return await SoakCommand.Run(repo, Uploads(opts.Int("--upload-kb", 100)), opts.Has("--rate") ? opts.Double("--rate", 0) : null, opts.Int("--windows", 3),
            TimeSpan.FromSeconds(opts.Double("--window-seconds", 60)), opts.Pairs("--set"), TimeSpan.FromSeconds(opts.Double("--scrape-seconds", 5)), log);
    case "fuzz" when opts.Has("--self-test"):
        return CropVision.Bench.Fuzz.FuzzCommand.SelfTest(repo, modelFolder, log).Count == 0 ? 0 : 1;
    case "fuzz":
        return Fuzz(opts.Int("--cases", 100_000)) is { Crashes: 0, Hangs: 0 } or null ? 0 : 1;
    case "fuzz-child":
        return CropVision.Bench.Fuzz.FuzzChild.Run(modelFolder, long.Parse(opts.Get("--max-pixels", "50000000"), CultureInfo.InvariantCulture));
    case "all":
        return await All();
    default:
        Console.Error.WriteLine("usage: cropvision-bench all [--overload [--impatient-concurrency 8,32]] [--soak-minutes N [--scrape-seconds 5]] [--fuzz-cases N] | raw [--batches 1,4,8,16] | http --url URL [--concurrency C | --rate R] [--duration S] | decode [--iterations N] [--no-sharp] | fuzz [--cases N] [--seed S] [--time-limit-ms T] [--self-test] | node [--cheaper-duration S] [--no-variants] [--no-accuracy] [--int8-calibration FILE] [--confident-above P] | soak [--windows 3] [--window-seconds 60] [--rate R] [--set KEY=VALUE ...]");
        return 2;
}

async Task<int> All()
{
    var report = new Results(DateTimeOffset.UtcNow, modelFolder, session.ProviderName);
    log.WriteLine($"== raw ONNX Runtime ({session.ProviderName}), model {Path.GetRelativePath(repo, modelFolder)}");
    report.Raw = RawBenchmark.Run(modelFolder, session, opts.Ints("--batches", [1, 4, 8, 16]), TimeSpan.FromSeconds(opts.Double("--seconds", 5)), log);

    var images = Uploads(opts.Int("--upload-kb", 100));
    report.UploadBytes = (int)images.Average(i => i.Length);
    log.WriteLine($"== service (child process), {images.Count} real BRACOL photos re-encoded to ~{report.UploadBytes / 1024} KB JPEGs");
    await using (var service = await ServiceProcess.StartAsync(repo, new Dictionary<string, string> { ["Inference:Device"] = device }, log))
    {
        using var client = HttpLoad.Client(service.BaseUrl, 256);
        var batching = (await client.GetFromJsonAsync<System.Text.Json.JsonElement>("/v1/models")).GetProperty("batching");
        report.ServiceBatching = batching.ToString();
        report.MaxQueueWaitMs = batching.GetProperty("maxQueueWaitMilliseconds").GetDouble();
        await HttpLoad.ClosedLoop(client, images, 2, TimeSpan.FromSeconds(3)); // warm-up
        report.C1 = Print(await HttpLoad.ClosedLoop(client, images, 1, TimeSpan.FromSeconds(opts.Double("--duration", 20))));
        report.C8 = Print(await HttpLoad.ClosedLoop(client, images, 8, TimeSpan.FromSeconds(opts.Double("--duration", 20))));
        report.IdleRssBytes = service.RssBytes();
        if (opts.Has("--overload"))
        {
            var rate = 3 * report.C8.Throughput;
            log.WriteLine($"== overload: {rate:F1} requests/s (3x measured capacity) for 60 s");
            (report.Overload, report.OverloadMaxRss) = await Sampled(service, () => HttpLoad.OpenLoop(client, images, rate, TimeSpan.FromSeconds(60)));
            Print(report.Overload);
            log.WriteLine($"  slowest 1% accepted: {report.Overload.SlowestSplit}");
            report.Impatient = await ImpatientClients.Run(client, images, opts.Ints("--impatient-concurrency", [8, 32]), TimeSpan.FromSeconds(opts.Double("--duration", 20)), log);
        }
        if (opts.Int("--soak-minutes", 0) is > 0 and var minutes)
        {
            var rate = 0.7 * report.C8.Throughput;
            log.WriteLine($"== soak: {rate:F1} requests/s (70% of capacity) for {minutes} min, one window per minute");
            report.SoakMachineBefore = SoakDiagnostics.Machine(service.Pid);
            await using var diagnostics = SoakDiagnostics.Start(service.Pid, client, TimeSpan.FromSeconds(opts.Double("--scrape-seconds", 5)));
            for (int m = 0; m < minutes; m++)
            {
                var from = DateTime.UtcNow;
                var others = SoakDiagnostics.OtherProcesses(service.Pid);
                var (r, rss) = await Sampled(service, () => HttpLoad.OpenLoop(client, images, rate, TimeSpan.FromSeconds(60)));
                var d = diagnostics.Summarize(from, DateTime.UtcNow, r) with { BusiestOthers = SoakDiagnostics.Busiest(others, SoakDiagnostics.OtherProcesses(service.Pid), (DateTime.UtcNow - from).TotalSeconds) };
                report.Soak.Add((r, rss));
                report.SoakDiagnostics.Add(d);
                log.WriteLine($"  minute {m + 1}: p50 {r.P50:F0} ms  p99 {r.P99:F0} ms  rss {rss / 1e6:F0} MB  {r.Statuses}  | GC pause {d.GcPauseMs:F0} ms, gen2 {d.Gen2}, pool queue max {d.ThreadPoolQueueMax:F0}, threads max {d.ThreadPoolThreadsMax:F0}, locks {d.LockContentions}; CPU service {d.ServiceCores:F2} bench {d.BenchCores:F2} others {d.OthersCores:F2} (max {d.OthersCoresMax:F2}) cores; slow {d.SlowNote}; busiest others {d.BusiestOthers}");
            }
            report.SoakMachineAfter = SoakDiagnostics.Machine(service.Pid);
        }
    }
    log.WriteLine("== decode (one thread)");
    report.Decode = RunDecode(opts.Int("--iterations", 15));
    log.WriteLine("== fuzzed decoders (child process)");
    report.Fuzz = Fuzz(opts.Int("--fuzz-cases", 3000));
    report.CheaperPhoto = await CheaperPhoto();

    var path = report.Write(Path.Combine(repo, "bench", "results"), session);
    log.WriteLine();
    log.WriteLine(report.Table());
    log.WriteLine($"results written to {path}");
    return 0;
}

// Issue 11 item 2: the service vs plain Node.js on today's fp32 export, then every cheaper variant (int8, early exit, 2 views).
async Task<CheaperPhotoComparison.Report> CheaperPhoto()
{
    var manifest = ModelManifest.Read(modelFolder);
    var calibration = opts.Get("--int8-calibration", manifest.Inference?.Int8Calibration ?? "");
    var threshold = opts.Double("--confident-above", manifest.Inference?.EarlyExit?.ConfidentAbove ?? 0.9);
    var cpu = new SessionSettings { IntraOpThreads = 0, AllowSpinning = false }; // the service's defaults (appsettings.json)
    var variants = opts.Has("--no-variants") ? [] : CheaperPhotoBenchmark.Variants(calibration is "" ? null : Path.GetFullPath(calibration, modelFolder), threshold, cpu);
    return await CheaperPhotoComparison.Run(repo, modelFolder, Uploads(opts.Int("--upload-kb", 100)), variants,
        TimeSpan.FromSeconds(opts.Double("--cheaper-duration", 10)), !opts.Has("--no-accuracy"), device, log);
}

async Task<(HttpLoad.Result, long)> Sampled(ServiceProcess service, Func<Task<HttpLoad.Result>> run)
{
    long max = 0;
    using var stop = new CancellationTokenSource();
    var sampler = Task.Run(async () => { while (!stop.IsCancellationRequested) { max = Math.Max(max, service.RssBytes()); await Task.Delay(250); } });
    var result = await run();
    stop.Cancel();
    await sampler;
    return (result, max);
}

List<DecodeBenchmark.Row> RunDecode(int iterations)
{
    var photo = BenchInputs.Photos(1)[0].Bytes;
    var inputs = new (string, byte[])[]
    {
        ("4000x3000 JPEG q90", DecodeBenchmark.Jpeg(photo, 4000, 3000, noise: 12)),
        ("2048x1024 JPEG q90", DecodeBenchmark.Jpeg(photo, 2048, 1024, noise: 12)),
        ("512x256 JPEG q90", DecodeBenchmark.Jpeg(photo, 512, 256)),
    };
    foreach (var (name, bytes) in inputs) log.WriteLine($"  {name}: {bytes.Length / 1024} KiB (a real BRACOL photo re-encoded; sensor-like noise on the large ones)");
    var rows = new List<DecodeBenchmark.Row>();
    // One thread, as the target asks: the measuring thread runs alone on core 0 where the OS allows it.
    var sharp = opts.Has("--no-sharp") ? null : SharpDecode.Folder(repo, log);
    var thread = new Thread(() => rows = DecodeBenchmark.Run(inputs, iterations, log, sharp));
    thread.Start();
    thread.Join();
    return rows;
}

CropVision.Bench.Fuzz.FuzzSummary? Fuzz(int cases) => CropVision.Bench.Fuzz.FuzzCommand.Run(repo, modelFolder, cases, opts.Int("--seed", 1),
    opts.Int("--time-limit-ms", 2000), Path.Combine(repo, "bench", "results", "fuzz-findings"), log);

List<byte[]> Uploads(int kb) => [.. BenchInputs.Photos(20).Select(p => BenchInputs.ReencodeTo(p.Bytes, kb * 1024))];

HttpLoad.Result Print(HttpLoad.Result r)
{
    log.WriteLine($"  {r.Mode}: {r.Throughput:F2} answers/s, p50 {r.P50:F1} ms, p90 {r.P90:F1} ms, p99 {r.P99:F1} ms, max {r.Max:F1} ms, statuses {r.Statuses}, unanswered {r.Unanswered}");
    return r;
}

sealed class Options
{
    private readonly List<string> _args;
    public string Command { get; }
    private Options(string[] args) { _args = [.. args]; Command = args.FirstOrDefault() ?? "all"; }
    public static Options Parse(string[] args) => new(args);
    public bool Has(string name) => _args.Contains(name);
    public string Get(string name, string fallback) { int i = _args.IndexOf(name); return i >= 0 && i + 1 < _args.Count ? _args[i + 1] : fallback; }
    public int Int(string name, int fallback) => int.Parse(Get(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
    public double Double(string name, double fallback) => double.Parse(Get(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
    public Dictionary<string, string> Pairs(string name) =>
        _args.Select((a, i) => (a, i)).Where(x => x.a == name && x.i + 1 < _args.Count).Select(x => _args[x.i + 1].Split('=', 2)).Where(kv => kv.Length == 2).ToDictionary(kv => kv[0], kv => kv[1]);
    public int[] Ints(string name, int[] fallback) => Has(name) ? [.. Get(name, "").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))] : fallback;

    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "CropVision.sln"))) return dir.FullName;
        throw new InvalidOperationException("CropVision.sln not found above the benchmark's folder.");
    }
}
