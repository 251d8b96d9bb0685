using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CropVision.Tests.Support;

/// <summary>
/// The real service as a child process (the API build beside the tests) on a free loopback port, for tests that kill it
/// with SIGKILL or run two of them on one database.
/// </summary>
public sealed class ChildService : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    public string BaseUrl { get; }
    public string Log { get { lock (_log) return _log.ToString(); } }

    private ChildService(Process process, string baseUrl) => (_process, BaseUrl) = (process, baseUrl);

    public static async Task<ChildService> StartAsync(IDictionary<string, string?> settings)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "CropVision.Api.dll");
        var url = $"http://127.0.0.1:{FreePort()}";
        var info = new ProcessStartInfo("dotnet", [dll, "--urls", url])
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (k, v) in settings) info.Environment[k.Replace(":", "__")] = v ?? "";
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the service");
        var service = new ChildService(process, url);
        process.OutputDataReceived += (_, e) => service.Append(e.Data);
        process.ErrorDataReceived += (_, e) => service.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(120))
        {
            if (process.HasExited) throw new InvalidOperationException($"the service exited with code {process.ExitCode}:\n{service.Log}");
            try { if ((await client.GetAsync("/v2/health/ready")).StatusCode == HttpStatusCode.OK) return service; }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
            await Task.Delay(250);
        }
        await service.DisposeAsync();
        throw new TimeoutException($"the service did not become ready within 120 s:\n{service.Log}");
    }

    public HttpClient Client() => new() { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromMinutes(2) };

    /// <summary>SIGKILL: no shutdown code runs, exactly as a crash or an out-of-memory kill.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: false);
        await _process.WaitForExitAsync();
    }

    private void Append(string? line)
    {
        if (line is { Length: > 0 }) lock (_log) _log.AppendLine(line);
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
