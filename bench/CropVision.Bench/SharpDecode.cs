using System.Diagnostics;
using System.Text.Json;

namespace CropVision.Bench;

/// <summary>
/// sharp (libvips) doing the same work as CropVision's decode path, run by Node.js from bench/node/decode.mjs on the
/// same JPEG bytes: decode, resize to the spec's size, planar float tensor of every view, one image at a time on one
/// libvips thread. Installs bench/node's locked packages itself (npm ci) the first time.
/// </summary>
public static class SharpDecode
{
    /// <summary>The node folder when Node.js and sharp are usable, else null with the reason.</summary>
    public static string? Folder(string repo, TextWriter log)
    {
        var folder = Path.Combine(repo, "bench", "node");
        if (!File.Exists(Path.Combine(folder, "decode.mjs"))) { log.WriteLine("  sharp: bench/node/decode.mjs missing, not measured"); return null; }
        if (Directory.Exists(Path.Combine(folder, "node_modules", "sharp"))) return folder;
        var (code, output) = RunProcess("npm", "ci --ignore-scripts --no-audit --no-fund", folder, TimeSpan.FromMinutes(5));
        if (code == 0 && Directory.Exists(Path.Combine(folder, "node_modules", "sharp"))) return folder;
        log.WriteLine($"  sharp: `npm ci` in bench/node failed (exit {code}), not measured: {output.Trim().Split('\n').LastOrDefault()}");
        return null;
    }

    /// <summary>Per-iteration times (ms) of sharp turning <paramref name="jpegFile"/> into the tensor, after one warm-up.</summary>
    public static double[] Times(string folder, string jpegFile, int iterations, CropVision.Core.Preprocessing.PreprocessingSpec spec)
    {
        var (code, output) = RunProcess("node", $"decode.mjs \"{jpegFile}\" {iterations} {spec.ResizeWidth} {spec.ResizeHeight} {spec.TileSize}", folder, TimeSpan.FromMinutes(5));
        if (code != 0) throw new InvalidOperationException($"node decode.mjs failed (exit {code}): {output}");
        using var json = JsonDocument.Parse(output.Trim().Split('\n').Last());
        int floats = json.RootElement.GetProperty("floats").GetInt32();
        if (floats != spec.FloatsPerImage) throw new InvalidOperationException($"sharp made {floats} floats, the spec {spec.FloatsPerImage}: not the same work");
        return [.. json.RootElement.GetProperty("times").EnumerateArray().Select(t => t.GetDouble())];
    }

    private static (int Code, string Output) RunProcess(string file, string arguments, string folder, TimeSpan limit)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(file, arguments)
            {
                WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            })!;
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(limit)) { process.Kill(entireProcessTree: true); return (-1, "timed out"); }
            return (process.ExitCode, stdout + stderr.Result);
        }
        catch (System.ComponentModel.Win32Exception e) { return (-1, $"{file} not found ({e.Message})"); }
    }
}
