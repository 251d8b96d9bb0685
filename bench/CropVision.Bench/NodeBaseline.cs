using System.Diagnostics;
using System.Net;
using CropVision.Core.Models;

namespace CropVision.Bench;

/// <summary>
/// The plain Node.js server of bench/node (sharp + onnxruntime-node, one inference at a time) as a child process on a
/// free loopback port, serving the fp32 four-view export of a model: what the service is compared with, from outside.
/// </summary>
public sealed class NodeBaseline : IAsyncDisposable
{
    private readonly Process _process;
    public string BaseUrl { get; }

    private NodeBaseline(Process process, string baseUrl) => (_process, BaseUrl) = (process, baseUrl);

    /// <summary>Today's export of <paramref name="versionFolder"/>: fp32, every view (the manifest's inference section set aside), as <c>cropvision export</c> writes it.</summary>
    public static string ExportFp32(string repoRoot, string versionFolder)
    {
        var package = ModelPackage.Load(versionFolder, Backbone.Load(), new InferenceSpec());
        var file = Path.Combine(repoRoot, ".cache", "bench", $"{package.Manifest.Crop}-{package.Manifest.Version}-fp32.onnx");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var bytes = package.ToBytes();
        if (!File.Exists(file) || !File.ReadAllBytes(file).AsSpan().SequenceEqual(bytes)) File.WriteAllBytes(file, bytes);
        return file;
    }

    public static async Task<NodeBaseline> StartAsync(string repoRoot, string onnxFile, TextWriter log)
    {
        var folder = Path.Combine(repoRoot, "bench", "node");
        if (!Directory.Exists(Path.Combine(folder, "node_modules")))
        {
            log.WriteLine("  npm ci --ignore-scripts (bench/node: sharp, onnxruntime-node; their binaries are in the packages)");
            using var npm = Process.Start(new ProcessStartInfo("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund"]) { WorkingDirectory = folder })
                ?? throw new InvalidOperationException("could not start npm");
            await npm.WaitForExitAsync();
            if (npm.ExitCode != 0) throw new InvalidOperationException($"npm ci failed in {folder} (exit {npm.ExitCode}).");
        }
        var info = new ProcessStartInfo("node", ["server.mjs", onnxFile, "0"]) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start node");
        var url = new TaskCompletionSource<string>();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line && line.StartsWith("listening on ", StringComparison.Ordinal)) url.TrySetResult(line["listening on ".Length..]);
            else if (e.Data is { Length: > 0 }) log.WriteLine($"  [node] {e.Data}");
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 }) log.WriteLine($"  [node] {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var node = new NodeBaseline(process, "");
        var ready = await Task.WhenAny(url.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(60)));
        if (ready != url.Task)
        {
            await node.DisposeAsync();
            throw new InvalidOperationException("the Node.js server did not start (see [node] lines)");
        }
        node = new NodeBaseline(process, url.Task.Result);
        using var client = new HttpClient { BaseAddress = new Uri(node.BaseUrl) };
        if ((await client.GetAsync("/health")).StatusCode != HttpStatusCode.OK) throw new InvalidOperationException("the Node.js server is not healthy");
        return node;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) { _process.Kill(entireProcessTree: true); await _process.WaitForExitAsync(); }
        _process.Dispose();
    }
}
