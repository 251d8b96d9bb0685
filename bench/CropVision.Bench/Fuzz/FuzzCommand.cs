using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;

namespace CropVision.Bench.Fuzz;

/// <summary>What one fuzz run found.</summary>
public sealed record FuzzSummary(
    int Cases, int Seed, int TimeLimitMs, double Seconds, long MaxPixels, int SeedCount,
    IReadOnlyDictionary<string, int> Outcomes, IReadOnlyList<FuzzFinding> Findings, long PeakChildRssBytes, double SlowestCaseMs, int ChildStarts,
    IReadOnlyList<string> PeakRaisers)
{
    public double CasesPerSecond => Cases / Seconds;
    public int Crashes => Findings.Count(f => f.Kind != "hang");
    public int Hangs => Findings.Count(f => f.Kind == "hang");

    public string OneLine() =>
        $"{Cases:N0} cases (seed {Seed}) in {Seconds:F0} s = {CasesPerSecond:F0}/s; crashes {Crashes}, hangs {Hangs} (limit {TimeLimitMs} ms, slowest {SlowestCaseMs:F0} ms); peak child RSS {PeakChildRssBytes / 1e6:F0} MB; "
        + string.Join(", ", Outcomes.OrderByDescending(o => o.Value).Select(o => $"{o.Key} {o.Value:N0}"));
}

/// <summary>A crash (the child died, or threw something other than ImageDecodeException) or a hang, with its input saved.</summary>
public sealed record FuzzFinding(int Case, string Kind, string Seed, string Mutation, string Detail, string? SavedAs);

/// <summary>
/// `cropvision-bench fuzz [--cases N] [--seed S] [--time-limit-ms T]`: mutated real photos through the service's
/// preprocessing path in a child process. The parent makes every case (so it holds the bytes that killed a child),
/// restarts a child that died or hung, and records each finding with its input.
/// </summary>
public static class FuzzCommand
{
    public static FuzzSummary? Run(string repo, string modelFolder, int cases, int seed, int timeLimitMs, string findingsFolder, TextWriter log)
    {
        if (FuzzSeeds.DatasetsFolder() is not { } datasets)
        {
            log.WriteLine("  fuzz: SKIPPED: no real photos (../shared/datasets or CROPVISION_DATASETS); the fuzzer mutates real photos only.");
            return null;
        }
        var seeds = FuzzSeeds.Load(repo, datasets);
        if (seeds.Count == 0)
        {
            log.WriteLine($"  fuzz: SKIPPED: no JPEG or PNG photos under {datasets}.");
            return null;
        }
        long maxPixels = FuzzSeeds.ServicePixelLimit(repo);
        log.WriteLine($"  fuzz: {cases:N0} cases from {seeds.Count} seeds (real photos and re-encodings), seed {seed}, per-image limit {timeLimitMs} ms, pixel limit {maxPixels:N0}, model {Path.GetRelativePath(repo, modelFolder)}");

        var outcomes = new Dictionary<string, int>();
        var findings = new List<FuzzFinding>();
        long peakRss = 0;
        var peakRaisers = new List<string>(); // the cases that raised the child's peak RSS by 50 MB or more
        double slowest = 0;
        int starts = 0;
        var clock = Stopwatch.StartNew();
        Child? child = null;
        try
        {
            for (int i = 0; i < cases; i++)
            {
                var (seedName, mutation, bytes) = Case(seeds, seed, i);
                child ??= Child.Start(repo, modelFolder, maxPixels, ++starts);
                var caseClock = Stopwatch.StartNew();
                var answer = child.Send(bytes, timeLimitMs);
                double ms = caseClock.Elapsed.TotalMilliseconds;
                string outcome;
                if (answer is null)
                {
                    // Died or hung: note its peak memory if it is still there, record the input, start a fresh child next time.
                    bool hung = child.TimedOut;
                    peakRss = Math.Max(peakRss, child.PeakRss());
                    var detail = hung ? $"no answer within {timeLimitMs} ms" : $"child exited with {child.ExitCode()}: {child.StderrTail()}";
                    child.Dispose();
                    child = null;
                    outcome = hung ? "hang" : "crash (child died)";
                    findings.Add(new FuzzFinding(i, hung ? "hang" : "native crash", seedName, mutation, detail, Save(findingsFolder, seed, i, bytes)));
                    log.WriteLine($"  fuzz: case {i} ({seedName}, {mutation}): {outcome}: {detail}");
                }
                else if (answer.StartsWith("unexpected ", StringComparison.Ordinal))
                {
                    outcome = "crash (unexpected exception)";
                    findings.Add(new FuzzFinding(i, "unexpected exception", seedName, mutation, answer["unexpected ".Length..], Save(findingsFolder, seed, i, bytes)));
                    log.WriteLine($"  fuzz: case {i} ({seedName}, {mutation}): {answer}");
                }
                else
                {
                    outcome = answer.StartsWith("ok", StringComparison.Ordinal) ? "decoded" : answer; // "refused Corrupt", ...
                    slowest = Math.Max(slowest, ms);
                }
                outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
                if (child is not null)
                {
                    long peak = child.PeakRss();
                    if (peak > peakRss + 50_000_000 && i > 0)
                        peakRaisers.Add($"case {i} ({seedName}, {mutation}, {bytes.Length:N0} bytes, {outcome}): peak {peakRss / 1e6:F0} -> {peak / 1e6:F0} MB");
                    peakRss = Math.Max(peakRss, peak);
                }
                if ((i + 1) % Math.Max(1, cases / 10) == 0)
                    log.WriteLine($"  fuzz: {i + 1:N0}/{cases:N0} cases, {(i + 1) / clock.Elapsed.TotalSeconds:F0}/s, {findings.Count} findings, peak child RSS {peakRss / 1e6:F0} MB");
            }
            if (child is not null) peakRss = Math.Max(peakRss, child.PeakRss());
        }
        finally { child?.Dispose(); }
        var summary = new FuzzSummary(cases, seed, timeLimitMs, clock.Elapsed.TotalSeconds, maxPixels, seeds.Count, outcomes, findings, peakRss, slowest, starts, peakRaisers);
        log.WriteLine($"  fuzz: {summary.OneLine()}");
        foreach (var raiser in peakRaisers.TakeLast(5)) log.WriteLine($"  fuzz: memory: {raiser}");
        return summary;
    }

    /// <summary>Case <paramref name="index"/> of a run with this seed: rebuilt from the two numbers alone.</summary>
    public static (string Seed, string Mutation, byte[] Bytes) Case(IReadOnlyList<(string Name, byte[] Bytes)> seeds, int seed, int index)
    {
        // Not HashCode.Combine: it is salted per process, and a case must be the same in every run.
        var rng = new Random(unchecked(seed * 1_000_003 + index));
        var (name, bytes) = seeds[rng.Next(seeds.Count)];
        // Now and then the seed as it is: the decoders must still accept the real thing.
        if (index % 64 == 0) return (name, "none", bytes);
        var other = seeds[rng.Next(seeds.Count)].Bytes;
        var mutated = Mutator.Mutate(bytes, other, rng, out var mutation);
        return (name, mutation, mutated);
    }

    private static string? Save(string folder, int seed, int index, byte[] bytes)
    {
        try
        {
            Directory.CreateDirectory(folder);
            var ext = Mutator.Kind(bytes) switch { 'J' => "jpg", 'P' => "png", 'W' => "webp", _ => "bin" };
            var path = Path.Combine(folder, $"seed{seed}-case{index}.{ext}");
            File.WriteAllBytes(path, bytes);
            return path;
        }
        catch (IOException) { return null; }
    }

    /// <summary>One child process and its pipes.</summary>
    private sealed class Child : IDisposable
    {
        private readonly Process _process;
        private readonly Stream _stdin;
        private readonly Queue<string> _stderr = new();
        private Task<string?>? _pending;

        private Child(Process process)
        {
            _process = process;
            _stdin = process.StandardInput.BaseStream;
            process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) lock (_stderr) { _stderr.Enqueue(line); if (_stderr.Count > 20) _stderr.Dequeue(); } };
            process.BeginErrorReadLine();
        }

        public static Child Start(string repo, string modelFolder, long maxPixels, int number, bool selfTest = false)
        {
            var self = Environment.ProcessPath!;
            var psi = new ProcessStartInfo(self)
            {
                RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
                WorkingDirectory = repo,
            };
            // Under `dotnet cropvision-bench.dll` the host needs the assembly; the apphost does not.
            if (Path.GetFileNameWithoutExtension(self) == "dotnet") psi.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
            foreach (var a in new[] { "fuzz-child", "--model", modelFolder, "--max-pixels", maxPixels.ToString(CultureInfo.InvariantCulture) }) psi.ArgumentList.Add(a);
            if (selfTest) psi.Environment[FuzzChild.SelfTestVariable] = "1";
            var child = new Child(Process.Start(psi) ?? throw new InvalidOperationException("The fuzz child did not start."));
            var ready = child._process.StandardOutput.ReadLine();
            if (ready != FuzzChild.Ready) throw new InvalidOperationException($"The fuzz child did not start: {ready} {child.StderrTail()}");
            return child;
        }

        /// <summary>Whether the last <see cref="Send"/> gave up waiting (a hang), rather than finding the child's output closed (a crash).</summary>
        public bool TimedOut { get; private set; }

        /// <summary>The child's answer, or null when it died or gave none within the limit.</summary>
        public string? Send(byte[] image, int timeLimitMs)
        {
            try
            {
                Span<byte> length = stackalloc byte[4];
                BinaryPrimitives.WriteInt32LittleEndian(length, image.Length);
                _stdin.Write(length);
                _stdin.Write(image);
                _stdin.Flush();
            }
            catch (IOException) { return null; } // its end of the pipe is gone: it died on an earlier write or now
            _pending = _process.StandardOutput.ReadLineAsync();
            TimedOut = !_pending.Wait(timeLimitMs);
            if (TimedOut) return null;
            var line = _pending.Result;
            _pending = null;
            return line;
        }

        public string ExitCode()
        {
            _process.WaitForExit(5000);
            if (!_process.HasExited) return "(still running)";
            int code = _process.ExitCode;
            // On Unix .NET reports death by signal N as 128 + N.
            return code > 128 ? $"{code} (signal {code - 128})" : code.ToString(CultureInfo.InvariantCulture);
        }

        public string StderrTail()
        {
            Thread.Sleep(100); // let the last lines of a dying child arrive
            lock (_stderr) return string.Join(" / ", _stderr.Where(l => l.Trim().Length > 0).Take(6)).Trim();
        }

        /// <summary>Peak resident set (VmHWM) of the child so far, 0 where /proc cannot tell.</summary>
        public long PeakRss()
        {
            try
            {
                foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
                    if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
            return 0;
        }

        public void Dispose()
        {
            try
            {
                if (!_process.HasExited)
                {
                    try
                    {
                        _stdin.Write([0xFF, 0xFF, 0xFF, 0xFF]); // -1: done
                        _stdin.Flush();
                    }
                    catch (IOException) { }
                    if (!_process.WaitForExit(2000)) _process.Kill(entireProcessTree: true);
                }
                _process.WaitForExit(5000);
            }
            finally { _process.Dispose(); }
        }
    }

    /// <summary>
    /// `fuzz --self-test`: plants a native fault (SIGSEGV), a hang and an unexpected exception between real photos and
    /// checks the parent classifies each and carries on with a fresh child. Returns the problems (none: all seen).
    /// </summary>
    public static List<string> SelfTest(string repo, string modelFolder, TextWriter log)
    {
        var problems = new List<string>();
        var photo = FuzzSeeds.DatasetsFolder() is { } datasets ? FuzzSeeds.Load(repo, datasets, 1)[0].Bytes : FuzzSeeds.WithOrientation(DecodeBenchmark.Jpeg(null, 512, 256), 1);
        (string Name, byte[] Bytes, string Expected)[] steps =
        [
            ("photo", photo, "ok"), ("planted fault", FuzzChild.PlantedFault, "crash"), ("photo", photo, "ok"),
            ("planted hang", FuzzChild.PlantedHang, "hang"), ("photo", photo, "ok"), ("planted throw", FuzzChild.PlantedThrow, "unexpected"), ("photo", photo, "ok"),
        ];
        Child? child = null;
        try
        {
            foreach (var (name, bytes, expected) in steps)
            {
                child ??= Child.Start(repo, modelFolder, ImageDecoderLimit, 0, selfTest: true);
                var answer = child.Send(bytes, 1000);
                var seen = answer is null ? (child.TimedOut ? "hang" : "crash") : answer.StartsWith("ok", StringComparison.Ordinal) ? "ok" : answer.StartsWith("unexpected", StringComparison.Ordinal) ? "unexpected" : answer;
                var detail = answer is null && !child.TimedOut ? $" (exit {child.ExitCode()})" : "";
                log.WriteLine($"  fuzz self-test: {name}: {seen}{detail}");
                if (seen != expected) problems.Add($"{name}: expected {expected}, saw {seen}");
                if (answer is null) { child.Dispose(); child = null; }
            }
        }
        finally { child?.Dispose(); }
        return problems;
    }

    private const long ImageDecoderLimit = CropVision.Core.Preprocessing.ImageDecoder.DefaultMaxPixels;

    /// <summary>A markdown section for bench/results.</summary>
    public static string Markdown(FuzzSummary s)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"{s.Cases:N0} mutated images (seed {s.Seed}, {s.SeedCount} seed images) through `ImagePreprocessor.Preprocess` with the served model's spec and the service's pixel limit ({s.MaxPixels:N0}), in a child process; per-image limit {s.TimeLimitMs} ms.");
        sb.AppendLine();
        sb.AppendLine($"| cases/s | crashes | hangs | peak child RSS | slowest answered case | child starts |");
        sb.AppendLine("| --- | --- | --- | --- | --- | --- |");
        sb.AppendLine($"| {s.CasesPerSecond:F0} | {s.Crashes} | {s.Hangs} | {s.PeakChildRssBytes / 1e6:F0} MB | {s.SlowestCaseMs:F0} ms | {s.ChildStarts} |");
        sb.AppendLine();
        sb.AppendLine("Outcomes: " + string.Join(", ", s.Outcomes.OrderByDescending(o => o.Value).Select(o => $"{o.Key} {o.Value:N0}")) + ".");
        foreach (var f in s.Findings) sb.AppendLine($"- case {f.Case}: {f.Kind} ({f.Seed}, {f.Mutation}): {f.Detail} {f.SavedAs}");
        if (s.PeakRaisers.Count > 0) sb.AppendLine().AppendLine("Cases that raised the child's peak memory (the last five):");
        foreach (var r in s.PeakRaisers.TakeLast(5)) sb.AppendLine($"- {r}");
        return sb.ToString();
    }
}
