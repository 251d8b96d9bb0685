using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace CropVision.Bench;

/// <summary>The service as a child process on a free loopback port, as a user would run it (Release build).</summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    public string BaseUrl { get; }
    public int Pid => _process.Id;

    private ServiceProcess(Process process, string baseUrl) => (_process, BaseUrl) = (process, baseUrl);

    public static async Task<ServiceProcess> StartAsync(string repoRoot, IDictionary<string, string> settings, TextWriter log)
    {
        var dll = Path.Combine(repoRoot, "src", "CropVision.Api", "bin", "Release", "net10.0", "CropVision.Api.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException($"Build the service first: dotnet build -c Release src/CropVision.Api ({dll} is missing).");
        // A build older than the sources measures yesterday's service (once it could not read a newer manifest).
        var built = File.GetLastWriteTimeUtc(dll);
        var newer = Directory.EnumerateFiles(Path.Combine(repoRoot, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal) && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .FirstOrDefault(f => File.GetLastWriteTimeUtc(f) > built);
        if (newer is not null) throw new InvalidOperationException($"The service's Release build is older than {Path.GetRelativePath(repoRoot, newer)}: dotnet build -c Release src/CropVision.Api first.");
        int port = FreePort();
        var url = $"http://127.0.0.1:{port}";
        var info = new ProcessStartInfo("dotnet", [dll, "--urls", url])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["Models__Folder"] = Path.Combine(repoRoot, "models");
        info.Environment["Models__WatchForChanges"] = "false";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (k, v) in settings) info.Environment[k.Replace(":", "__")] = v;
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the service");
        process.OutputDataReceived += (_, e) => { if (e.Data is { Length: > 0 }) log.WriteLine($"  [service] {e.Data}"); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 }) log.WriteLine($"  [service] {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var service = new ServiceProcess(process, url);
        using var client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(90))
        {
            if (process.HasExited) throw new InvalidOperationException($"the service exited with code {process.ExitCode}");
            try { if ((await client.GetAsync("/v2/health/ready")).StatusCode == HttpStatusCode.OK) return service; }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
            await Task.Delay(250);
        }
        await service.DisposeAsync();
        throw new TimeoutException("the service did not become ready within 90 s");
    }

    /// <summary>Resident memory of the service process, from /proc (Linux).</summary>
    public long RssBytes()
    {
        try
        {
            var line = File.ReadLines($"/proc/{_process.Id}/status").FirstOrDefault(l => l.StartsWith("VmRSS:"));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        }
        catch (IOException) { return 0; }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) { _process.Kill(entireProcessTree: true); await _process.WaitForExitAsync(); }
        _process.Dispose();
    }
}
