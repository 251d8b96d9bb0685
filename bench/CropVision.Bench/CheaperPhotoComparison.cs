using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CropVision.Core.Inference;
using CropVision.Core.Models;

namespace CropVision.Bench;

/// <summary>
/// Issue 11 item 2 in one run: the service against the plain Node.js server on today's fp32 export (concurrency 1, 4
/// and 8, the two servers taking turns, each alone under load), then every cheaper variant served by the service
/// (photos/s at concurrency 1 and 8, raw ms/photo, backbone passes) with its val accuracy, in one table.
/// </summary>
public static class CheaperPhotoComparison
{
    public sealed record Pair(int Concurrency, HttpLoad.Result Service, HttpLoad.Result Node)
    {
        public double Ratio => Service.Throughput / Math.Max(1e-9, Node.Throughput);
    }

    public sealed record VariantRow(string Name, CheaperPhotoAccuracy.Row? Accuracy, CheaperPhotoBenchmark.Row Raw, HttpLoad.Result C1, HttpLoad.Result C8);

    public sealed record Report(string Model, List<Pair> Pairs, int LabelsCompared, int LabelsAgreeing, List<VariantRow> Variants, HttpLoad.Result NodeC1, HttpLoad.Result NodeC8)
    {
        public string Markdown()
        {
            var ci = CultureInfo.InvariantCulture;
            var sb = new StringBuilder();
            sb.AppendLine($"### A cheaper photo: the service against plain Node.js ({Model})");
            sb.AppendLine();
            sb.AppendLine("| concurrency | service photos/s | Node.js photos/s | service / Node | service p50 ms | Node p50 ms | service statuses | Node statuses |");
            sb.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
            foreach (var p in Pairs)
                sb.AppendLine(string.Create(ci, $"| {p.Concurrency} | {p.Service.Throughput:F2} | {p.Node.Throughput:F2} | {p.Ratio:F2} | {p.Service.P50:F0} | {p.Node.P50:F0} | {p.Service.Statuses} | {p.Node.Statuses} |"));
            sb.AppendLine();
            sb.AppendLine($"Top label, service vs Node.js on the bench photos: {LabelsAgreeing} of {LabelsCompared} agree (sanity check: sharp and SkiaSharp resample differently).");
            sb.AppendLine();
            if (Variants.Count == 0) return sb.ToString();
            sb.AppendLine(string.Create(ci, $"Variants, each served by the service in turn; Node.js (fp32 four-view export) in the same run: {NodeC8.Throughput:F2} photos/s at concurrency 8, p50 {NodeC1.P50:F0} ms at concurrency 1."));
            sb.AppendLine();
            sb.AppendLine("| variant | val stress accuracy | whole leaves | close-ups | flowers rejected | leaves rejected | raw ms/photo | backbone passes/photo | photos/s c8 | c8 vs Node | p50 c1 ms | c1 p50 vs Node |");
            sb.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
            foreach (var v in Variants)
            {
                var a = v.Accuracy;
                string P(double? x) => x is { } y ? (100 * y).ToString("F2", ci) + " %" : "-";
                sb.AppendLine(string.Create(ci, $"| {v.Name} | {P(a?.Accuracy)} | {P(a?.WholeLeaves)} | {P(a?.CloseUps)} | {P(a?.FlowersRejected)} | {P(a?.LeavesRejected)} | {v.Raw.MsPerPhoto:F1} | {(a?.PassesPerPhoto ?? v.Raw.PassesPerPhoto):F2} | {v.C8.Throughput:F2} | {v.C8.Throughput / NodeC8.Throughput:F2}x | {v.C1.P50:F0} | {v.C1.P50 - NodeC1.P50:+0;-0} ms |"));
            }
            sb.AppendLine();
            sb.AppendLine("Accuracy: `cropvision evaluate`'s code (ModelScoring) on the val split of bracol-leaf + bracol-symptom, flowers from not-leaf's val split; passes/photo counted on those photos. Raw ms/photo: batch 1, the bench photos, through CropModel.");
            return sb.ToString();
        }
    }

    public static async Task<Report> Run(string repo, string versionFolder, IReadOnlyList<byte[]> uploads, IReadOnlyList<CheaperPhotoBenchmark.Variant> variants,
        TimeSpan duration, bool accuracy, string device, TextWriter log)
    {
        var manifest = ModelManifest.Read(versionFolder);
        var onnx = NodeBaseline.ExportFp32(repo, versionFolder);
        log.WriteLine($"== service vs plain Node.js (sharp + onnxruntime-node, one inference at a time) on {Path.GetFileName(onnx)}");
        await using var node = await NodeBaseline.StartAsync(repo, onnx, log);
        using var nodeClient = HttpLoad.Client(node.BaseUrl, 256);
        var pairs = new List<Pair>();
        int compared = 0, agreeing = 0;
        await using (var service = await ServiceProcess.StartAsync(repo, new Dictionary<string, string> { ["Inference:Device"] = device }, log))
        {
            using var client = HttpLoad.Client(service.BaseUrl, 256);
            (compared, agreeing) = await CompareLabels(client, nodeClient, uploads);
            log.WriteLine($"  top label service vs Node.js: {agreeing} of {compared} bench photos agree");
            await HttpLoad.ClosedLoop(client, uploads, 2, TimeSpan.FromSeconds(3));
            await HttpLoad.ClosedLoop(nodeClient, uploads, 2, TimeSpan.FromSeconds(3));
            foreach (var c in new[] { 1, 4, 8 })
            {
                // Taking turns: while one is loaded the other is idle.
                var s = await HttpLoad.ClosedLoop(client, uploads, c, duration);
                var n = await HttpLoad.ClosedLoop(nodeClient, uploads, c, duration);
                pairs.Add(new Pair(c, s, n));
                log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  c{c}: service {s.Throughput:F2}/s p50 {s.P50:F0} ms | Node {n.Throughput:F2}/s p50 {n.P50:F0} ms | ratio {s.Throughput / n.Throughput:F2}"));
            }
        }

        var rows = new List<VariantRow>();
        var nodeC1 = pairs[0].Node;
        var nodeC8 = pairs[^1].Node;
        if (variants.Count > 0)
        {
            log.WriteLine("== variants: raw ms/photo through CropModel");
            var raw = CheaperPhotoBenchmark.Run(versionFolder, variants, uploads, 5, log);
            var nodeC8Runs = new List<HttpLoad.Result> { nodeC8 };
            var nodeC1Runs = new List<HttpLoad.Result> { nodeC1 };
            for (int i = 0; i < variants.Count; i++)
            {
                var v = variants[i];
                // Session settings do not change the answers: a variant that differs from an earlier one only in them shares its accuracy.
                var acc = rows.FirstOrDefault(r => r.Accuracy is not null && Equals(variants[rows.IndexOf(r)].Inference, v.Inference))?.Accuracy
                    ?? (accuracy ? CheaperPhotoAccuracy.Evaluate(versionFolder, v, log) : null);
                var models = VariantModels(repo, versionFolder, manifest, v, i);
                await using var service = await ServiceProcess.StartAsync(repo, new Dictionary<string, string>
                {
                    ["Inference:Device"] = "cpu",
                    ["Models:Folder"] = models,
                    ["Inference:IntraOpThreads"] = v.Session.IntraOpThreads.ToString(CultureInfo.InvariantCulture),
                    ["Inference:AllowSpinning"] = v.Session.AllowSpinning ? "true" : "false",
                }, log);
                using var client = HttpLoad.Client(service.BaseUrl, 256);
                await HttpLoad.ClosedLoop(client, uploads, 2, TimeSpan.FromSeconds(2));
                var c1 = await HttpLoad.ClosedLoop(client, uploads, 1, duration);
                var c8 = await HttpLoad.ClosedLoop(client, uploads, 8, duration);
                rows.Add(new VariantRow(v.Name, acc, raw[i], c1, c8));
                log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {v.Name}: c1 {c1.Throughput:F2}/s p50 {c1.P50:F0} ms, c8 {c8.Throughput:F2}/s {c8.Statuses}"));
            }
            // Node again after the variants, so a drift in the machine's load shows; the table uses the mean of both runs.
            nodeC1Runs.Add(await HttpLoad.ClosedLoop(nodeClient, uploads, 1, duration));
            nodeC8Runs.Add(await HttpLoad.ClosedLoop(nodeClient, uploads, 8, duration));
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  Node again: c1 p50 {nodeC1Runs[1].P50:F0} ms, c8 {nodeC8Runs[1].Throughput:F2}/s (before: {nodeC1.P50:F0} ms, {nodeC8.Throughput:F2}/s)"));
            nodeC1 = nodeC1 with { P50 = nodeC1Runs.Average(r => r.P50) };
            nodeC8 = nodeC8 with { Throughput = nodeC8Runs.Average(r => r.Throughput) };
        }
        return new Report($"{manifest.Crop}/{manifest.Version}", pairs, compared, agreeing, rows, nodeC1, nodeC8);
    }

    /// <summary>A throw-away models folder holding the version with the variant's inference section (and its calibration file).</summary>
    private static string VariantModels(string repo, string versionFolder, ModelManifest manifest, CheaperPhotoBenchmark.Variant v, int index)
    {
        var root = Path.Combine(repo, ".cache", "bench", "variants", index.ToString(CultureInfo.InvariantCulture));
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        var folder = Path.Combine(root, manifest.Crop, manifest.Version.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(folder);
        File.Copy(Path.Combine(versionFolder, manifest.Head), Path.Combine(folder, manifest.Head));
        var inference = v.Inference ?? new InferenceSpec();
        if (inference.Int8Calibration is { } cal)
        {
            File.Copy(Path.Combine(versionFolder, cal), Path.Combine(folder, "int8-calibration.json"));
            inference = inference with { Int8Calibration = "int8-calibration.json" };
        }
        (manifest with { Inference = inference }).Write(folder);
        return root;
    }

    private static async Task<(int, int)> CompareLabels(HttpClient service, HttpClient node, IReadOnlyList<byte[]> uploads)
    {
        int agree = 0;
        foreach (var photo in uploads)
            if (await Label(service, photo) == await Label(node, photo)) agree++;
        return (uploads.Count, agree);
    }

    private static async Task<string?> Label(HttpClient client, byte[] photo)
    {
        using var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(photo);
        part.Headers.ContentType = new("image/jpeg");
        form.Add(part, "image", "leaf.jpg");
        using var response = await client.PostAsync("/v1/predict?crop=coffee", form);
        if (!response.IsSuccessStatusCode) return null;
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).TryGetProperty("label", out var l) ? l.GetString() : null;
    }
}
