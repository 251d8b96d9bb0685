using System.CommandLine;
using System.Globalization;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using CropVision.Bench;
using CropVision.Core.Inference;
using CropVision.Core.Models;

// cropvision-bench all|raw|http|decode|fuzz|node|soak|security-probe [options]; see README "Benchmarks", or --help.
var repo = BenchPaths.RepoRoot();
var log = Console.Out;

// Options every command takes.
var modelOption = new Option<string>("--model") { Description = "Model version folder, or crop folder (its serving version)", Recursive = true, DefaultValueFactory = _ => Path.Combine(repo, "models", "coffee") };
// The service's session settings (appsettings.json): all cores, full graph optimisation, CUDA when it loads.
var deviceOption = new Option<string>("--device") { Description = "auto (CUDA when it loads) or cpu", Recursive = true, DefaultValueFactory = _ => "auto" };

// Options shared by several commands (one instance, added to each).
var batches = IntList("--batches", "Batch sizes of the raw ONNX Runtime benchmark, comma-separated", [1, 4, 8, 16]);
var seconds = new Option<double>("--seconds") { Description = "Seconds per batch size (raw)", DefaultValueFactory = _ => 5 };
var uploadKb = new Option<int>("--upload-kb") { Description = "Size the BRACOL photos are re-encoded to, in KB", DefaultValueFactory = _ => 100 };
var iterations = new Option<int>("--iterations") { Description = "Decode iterations per input", DefaultValueFactory = _ => 15 };
var noSharp = new Option<bool>("--no-sharp") { Description = "Leave out the ImageSharp reference line" };
var rateOption = new Option<double?>("--rate") { Description = "Open loop at this many requests/s" };
var scrapeSeconds = new Option<double>("--scrape-seconds") { Description = "Seconds between scrapes of the service's metrics", DefaultValueFactory = _ => 5 };
var seed = new Option<int>("--seed") { Description = "Seed of the fuzzer", DefaultValueFactory = _ => 1 };
var timeLimitMs = new Option<int>("--time-limit-ms") { Description = "A case running longer than this is a hang", DefaultValueFactory = _ => 2000 };
var int8Calibration = new Option<string?>("--int8-calibration") { Description = "Int8 calibration file for the cheaper variants (default: the model's own)" };
var confidentAbove = new Option<double?>("--confident-above") { Description = "Early-exit threshold for the cheaper variants (default: the model's, else 0.9)" };
var noVariants = new Option<bool>("--no-variants") { Description = "Only the service vs Node.js line, no cheaper variants" };
var cheaperDuration = new Option<double>("--cheaper-duration") { Description = "Seconds per cheaper-photo measurement", DefaultValueFactory = _ => 10 };
var noAccuracy = new Option<bool>("--no-accuracy") { Description = "Skip the val accuracy of each cheaper variant" };
Option[] nodeOptions = [uploadKb, int8Calibration, confidentAbove, noVariants, cheaperDuration, noAccuracy];

var raw = new Command("raw", "ONNX Runtime alone: latency and throughput per batch size") { batches, seconds };
raw.SetAction(r =>
{
    RawBenchmark.Run(ModelFolder(r), Session(r.GetValue(deviceOption)!, probeCuda: true), r.GetValue(batches)!, TimeSpan.FromSeconds(r.GetValue(seconds)), log);
    return 0;
});

var decode = new Command("decode", "Photo decode and resize on one thread") { iterations, noSharp };
decode.SetAction(r => { RunDecode(r, r.GetValue(iterations)); return 0; });

var url = new Option<string>("--url") { Description = "The running service", DefaultValueFactory = _ => "http://localhost:5000" };
var concurrency = new Option<int>("--concurrency") { Description = "Closed loop with this many clients", DefaultValueFactory = _ => 8 };
var httpDuration = new Option<double>("--duration") { Description = "Seconds of load", DefaultValueFactory = _ => 30 };
var http = new Command("http", "Load a running service over HTTP (closed loop, or open loop with --rate)") { url, concurrency, rateOption, httpDuration, uploadKb };
http.SetAction(async (r, ct) =>
{
    var images = Uploads(r.GetValue(uploadKb));
    using var client = HttpLoad.Client(r.GetValue(url)!, 256);
    var result = r.GetValue(rateOption) is { } perSecond
        ? await HttpLoad.OpenLoop(client, images, perSecond, TimeSpan.FromSeconds(r.GetValue(httpDuration)))
        : await HttpLoad.ClosedLoop(client, images, r.GetValue(concurrency), TimeSpan.FromSeconds(r.GetValue(httpDuration)));
    Print(result);
    return 0;
});

var node = new Command("node", "The service vs plain Node.js on the fp32 export, then every cheaper variant");
foreach (var o in nodeOptions) node.Options.Add(o);
node.SetAction(async (r, ct) =>
{
    var cheaper = await CheaperPhoto(r);
    log.WriteLine();
    log.WriteLine(cheaper.Markdown());
    return 0;
});

var windows = new Option<int>("--windows") { Description = "Windows of load", DefaultValueFactory = _ => 3 };
var windowSeconds = new Option<double>("--window-seconds") { Description = "Seconds per window", DefaultValueFactory = _ => 60 };
var set = new Option<string[]>("--set") { Description = "A service setting KEY=VALUE; repeatable" };
var soak = new Command("soak", "A service child process under steady load, window by window, with diagnostics") { uploadKb, rateOption, windows, windowSeconds, set, scrapeSeconds };
soak.SetAction((r, ct) => SoakCommand.Run(repo, Uploads(r.GetValue(uploadKb)), r.GetValue(rateOption), r.GetValue(windows), TimeSpan.FromSeconds(r.GetValue(windowSeconds)),
    Pairs(r.GetValue(set)), TimeSpan.FromSeconds(r.GetValue(scrapeSeconds)), log));

var cases = new Option<int>("--cases") { Description = "Mutated photos to try", DefaultValueFactory = _ => 100_000 };
var selfTest = new Option<bool>("--self-test") { Description = "Check that planted crashes, hangs and exceptions are caught" };
var fuzz = new Command("fuzz", "Mutated real photos through the service's decoders, in a child process") { cases, seed, timeLimitMs, selfTest };
fuzz.SetAction(r => r.GetValue(selfTest)
    ? (CropVision.Bench.Fuzz.FuzzCommand.SelfTest(repo, ModelFolder(r), log).Count == 0 ? 0 : 1)
    : (Fuzz(r, r.GetValue(cases)) is { Crashes: 0, Hangs: 0 } or null ? 0 : 1));

var maxPixels = new Option<long>("--max-pixels") { Description = "The decoder's pixel limit", DefaultValueFactory = _ => 50_000_000 };
var fuzzChild = new Command("fuzz-child", "The fuzzer's child process (started by fuzz)") { maxPixels };
fuzzChild.Hidden = true;
fuzzChild.SetAction(r => CropVision.Bench.Fuzz.FuzzChild.Run(ModelFolder(r), r.GetValue(maxPixels)));

var allDuration = new Option<double>("--duration") { Description = "Seconds of each closed-loop load", DefaultValueFactory = _ => 20 };
var overload = new Option<bool>("--overload") { Description = "Also 60 s at 3x capacity, and impatient clients" };
var impatient = IntList("--impatient-concurrency", "Impatient clients' concurrencies, comma-separated (with --overload)", [8, 32]);
var soakMinutes = new Option<int>("--soak-minutes") { Description = "Also a soak at 70% of capacity for N minutes", DefaultValueFactory = _ => 0 };
var fuzzCases = new Option<int>("--fuzz-cases") { Description = "Mutated photos for the fuzz step", DefaultValueFactory = _ => 3000 };
var all = new Command("all", "Every benchmark, written to bench/results (the default command)")
    { batches, seconds, uploadKb, allDuration, overload, impatient, soakMinutes, scrapeSeconds, iterations, noSharp, fuzzCases, seed, timeLimitMs };
foreach (var o in nodeOptions.Except([uploadKb])) all.Options.Add(o);
all.SetAction((r, ct) => All(r));

var probePid = new Option<int?>("--pid") { Description = "The service's process id: RSS from /proc/<pid>/status (else process_resident_memory_bytes from /metrics)" };
var probeData = new Option<string?>("--data") { Description = "The service's Store:DataFolder, to measure the bytes it stored" };
var probePosts = new Option<int>("--padded-posts") { Description = "Feedback posts of the padded ~19.9 MB JPEG", DefaultValueFactory = _ => 3 };
var probeUser = new Option<string?>("--sign-in-user") { Description = "A real account's name: compare wrong-password answers and times with unknown names (then throttled from here for a while)" };
var securityProbe = new Command("security-probe", "Issue 19's attacks against a running service: concurrent huge-PNG feedback (RSS), padded JPEGs (bytes stored), user-name probing")
    { url, concurrency, probePid, probeData, probePosts, probeUser };
securityProbe.SetAction((r, ct) => SecurityProbe.Run(r.GetValue(url)!, r.GetValue(probePid), r.GetValue(probeData), r.GetValue(concurrency), r.GetValue(probePosts), r.GetValue(probeUser), log));

var root = new RootCommand("CropVision benchmarks: raw ONNX Runtime, the service over HTTP, decoding, fuzzing, cheaper variants, soak, security probe")
    { modelOption, deviceOption, all, raw, http, decode, fuzz, fuzzChild, node, soak, securityProbe };
// No command at all runs everything, as before.
var parsed = root.Parse(args.Length == 0 ? ["all"] : args);
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors) Console.Error.WriteLine(error.Message);
    Console.Error.WriteLine("cropvision-bench --help lists every command and option.");
    return 2;
}
return await parsed.InvokeAsync();

string ModelFolder(ParseResult r) => ModelRepository.ResolveVersionFolder(r.GetValue(modelOption)!);

// CUDA only where the command measures ONNX Runtime itself (raw, all), as before.
SessionSettings Session(string device, bool probeCuda) => new() { UseCuda = probeCuda && device != "cpu" && CudaProbe.TryLoad(0, out _) };

static Option<int[]> IntList(string name, string description, int[] fallback) => new(name)
{
    Description = description,
    Arity = ArgumentArity.ExactlyOne,
    DefaultValueFactory = _ => fallback,
    CustomParser = a => [.. a.Tokens[0].Value.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))],
};

static Dictionary<string, string> Pairs(string[]? values) =>
    (values ?? []).Select(v => v.Split('=', 2)).Where(kv => kv.Length == 2).ToDictionary(kv => kv[0], kv => kv[1]);

async Task<int> All(ParseResult pr)
{
    var modelFolder = ModelFolder(pr);
    var device = pr.GetValue(deviceOption)!;
    var session = Session(device, probeCuda: true);
    var report = new Results(DateTimeOffset.UtcNow, modelFolder, session.ProviderName);
    log.WriteLine($"== raw ONNX Runtime ({session.ProviderName}), model {Path.GetRelativePath(repo, modelFolder)}");
    report.Raw = RawBenchmark.Run(modelFolder, session, pr.GetValue(batches)!, TimeSpan.FromSeconds(pr.GetValue(seconds)), log);

    var images = Uploads(pr.GetValue(uploadKb));
    report.UploadBytes = (int)images.Average(i => i.Length);
    log.WriteLine($"== service (child process), {images.Count} real BRACOL photos re-encoded to ~{report.UploadBytes / 1024} KB JPEGs");
    await using (var service = await ServiceProcess.StartAsync(repo, new Dictionary<string, string> { ["Inference:Device"] = device }, log))
    {
        using var client = HttpLoad.Client(service.BaseUrl, 256);
        var batching = (await client.GetFromJsonAsync<System.Text.Json.JsonElement>("/v1/models")).GetProperty("batching");
        report.ServiceBatching = batching.ToString();
        report.MaxQueueWaitMs = batching.GetProperty("maxQueueWaitMilliseconds").GetDouble();
        await HttpLoad.ClosedLoop(client, images, 2, TimeSpan.FromSeconds(3)); // warm-up
        report.C1 = Print(await HttpLoad.ClosedLoop(client, images, 1, TimeSpan.FromSeconds(pr.GetValue(allDuration))));
        report.C8 = Print(await HttpLoad.ClosedLoop(client, images, 8, TimeSpan.FromSeconds(pr.GetValue(allDuration))));
        report.IdleRssBytes = service.RssBytes();
        if (pr.GetValue(overload))
        {
            var rate = 3 * report.C8.Throughput;
            log.WriteLine($"== overload: {rate:F1} requests/s (3x measured capacity) for 60 s");
            (report.Overload, report.OverloadMaxRss) = await Sampled(service, () => HttpLoad.OpenLoop(client, images, rate, TimeSpan.FromSeconds(60)));
            Print(report.Overload);
            log.WriteLine($"  slowest 1% accepted: {report.Overload.SlowestSplit}");
            report.Impatient = await ImpatientClients.Run(client, images, pr.GetValue(impatient)!, TimeSpan.FromSeconds(pr.GetValue(allDuration)), log);
        }
        if (pr.GetValue(soakMinutes) is > 0 and var minutes)
        {
            var rate = 0.7 * report.C8.Throughput;
            log.WriteLine($"== soak: {rate:F1} requests/s (70% of capacity) for {minutes} min, one window per minute");
            report.SoakMachineBefore = SoakDiagnostics.Machine(service.Pid);
            await using var diagnostics = SoakDiagnostics.Start(service.Pid, client, TimeSpan.FromSeconds(pr.GetValue(scrapeSeconds)));
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
    report.Decode = RunDecode(pr, pr.GetValue(iterations));
    log.WriteLine("== fuzzed decoders (child process)");
    report.Fuzz = Fuzz(pr, pr.GetValue(fuzzCases));
    report.CheaperPhoto = await CheaperPhoto(pr);

    var path = report.Write(Path.Combine(repo, "bench", "results"), session);
    log.WriteLine();
    log.WriteLine(report.Table());
    log.WriteLine($"results written to {path}");
    return 0;
}

// Issue 11 item 2: the service vs plain Node.js on today's fp32 export, then every cheaper variant (int8, early exit, 2 views).
async Task<CheaperPhotoComparison.Report> CheaperPhoto(ParseResult r)
{
    var modelFolder = ModelFolder(r);
    var manifest = ModelManifest.Read(modelFolder);
    var calibration = r.GetValue(int8Calibration) ?? manifest.Inference?.Int8Calibration ?? "";
    var threshold = r.GetValue(confidentAbove) ?? manifest.Inference?.EarlyExit?.ConfidentAbove ?? 0.9;
    var cpu = new SessionSettings { IntraOpThreads = 0, AllowSpinning = false }; // the service's defaults (appsettings.json)
    var variants = r.GetValue(noVariants) ? [] : CheaperPhotoBenchmark.Variants(calibration is "" ? null : Path.GetFullPath(calibration, modelFolder), threshold, cpu);
    return await CheaperPhotoComparison.Run(repo, modelFolder, Uploads(r.GetValue(uploadKb)), variants,
        TimeSpan.FromSeconds(r.GetValue(cheaperDuration)), !r.GetValue(noAccuracy), r.GetValue(deviceOption)!, log);
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

List<DecodeBenchmark.Row> RunDecode(ParseResult r, int iterations)
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
    var sharp = r.GetValue(noSharp) ? null : SharpDecode.Folder(repo, log);
    var thread = new Thread(() => rows = DecodeBenchmark.Run(inputs, iterations, log, sharp));
    thread.Start();
    thread.Join();
    return rows;
}

CropVision.Bench.Fuzz.FuzzSummary? Fuzz(ParseResult r, int cases) => CropVision.Bench.Fuzz.FuzzCommand.Run(repo, ModelFolder(r), cases, r.GetValue(seed),
    r.GetValue(timeLimitMs), Path.Combine(repo, "bench", "results", "fuzz-findings"), log);

List<byte[]> Uploads(int kb) => [.. BenchInputs.Photos(20).Select(p => BenchInputs.ReencodeTo(p.Bytes, kb * 1024))];

HttpLoad.Result Print(HttpLoad.Result r)
{
    log.WriteLine($"  {r.Mode}: {r.Throughput:F2} answers/s, p50 {r.P50:F1} ms, p90 {r.P90:F1} ms, p99 {r.P99:F1} ms, max {r.Max:F1} ms, statuses {r.Statuses}, unanswered {r.Unanswered}");
    return r;
}

static class BenchPaths
{
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "CropVision.sln"))) return dir.FullName;
        throw new InvalidOperationException("CropVision.sln not found above the benchmark's folder.");
    }
}
