using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CropVision.Core.Inference;
using CropVision.Core.Models;
using CropVision.Learning.Calibration;
using CropVision.Learning.Data;
using CropVision.Learning.Evaluation;
using CropVision.Learning.Features;
using CropVision.Learning.Heads;
using CropVision.Training.Console;
using Google.Protobuf;
using Spectre.Console;

namespace CropVision.Training.Commands;

/// <summary>
/// Recalibrates a trained version without refitting its heads: a temperature for the main output (baked into head.onnx)
/// and "uncertain" thresholds per framing chosen so ok answers meet an accuracy target on val and on the field proxy;
/// written as the next version with a calibration report. Not promoted.
/// </summary>
public static class CalibrateCommand
{
    public static Command Create()
    {
        var model = ModelOption.Create();
        var data = new Option<DirectoryInfo[]>("--data") { Description = "Labelled folder(s) whose val split (and one seeded augmented copy of each val photo) is calibrated on", Required = true };
        var negatives = new Option<DirectoryInfo[]>("--negatives") { Description = "Non-leaf folder(s) of the model's training (their val photos are featurized; thresholds use leaves only)" };
        var otherCrops = new Option<DirectoryInfo[]>("--other-crops") { Description = "Folder(s) of other crops' leaves that trained the leaf output as negatives: their val photos set an 'uncertain' band for leaves that may be another crop, and 'rejected' is recalibrated against --negatives alone" };
        var check = new Option<DirectoryInfo[]>("--check-negatives") { Description = "Folder(s) of other crops' leaves (every photo) sent as this crop: share answered ok, before and after" };
        var target = new Option<double>("--target") { Description = "Accuracy that ok answers must reach on val and on the proxy, per framing", DefaultValueFactory = _ => 0.90 };
        var floor = new Option<double>("--min-coverage") { Description = "Never answer ok fewer than this share of a framing's leaves (the report says when the target is then unmet)", DefaultValueFactory = _ => 0.20 };
        var rule = new Option<string>("--rule") { Description = "accuracy (the target above) or quantile (the older rule: 10% of val leaves uncertain, for comparison)", DefaultValueFactory = _ => "accuracy" };
        var noTemperature = new Option<bool>("--no-temperature") { Description = "Keep the head's probabilities as they are (no temperature scaling)" };
        var served = new Option<bool>("--served") { Description = "Also score the val photos through the served path (int8, early exit) of the old and the new version: ok accuracy, coverage, passes per photo" };
        var cache = new Option<DirectoryInfo?>("--cache") { Description = $"Feature cache folder (default {FeatureCache.DefaultRoot}; env CROPVISION_CACHE)" };
        var output = new Option<DirectoryInfo>("--out") { Description = "The crop folder to write the next version into (models/coffee)", Required = true };
        var command = new Command("calibrate", "Write the next version of a model with its confidence recalibrated (temperature, uncertain thresholds per framing); the heads are not refitted")
            { model, data, negatives, otherCrops, check, target, floor, rule, noTemperature, served, cache, output };
        command.SetAction((result, ct) => Task.FromResult(ConsoleErrors.Guard(() =>
        {
            var from = ModelRepository.ResolveVersionFolder(result.GetValue(model)!);
            var manifest = ModelManifest.Read(from);
            var o = new UncertainOptions
            {
                Rule = result.GetValue(rule)!.ToLowerInvariant() switch
                {
                    "accuracy" => UncertainRule.Accuracy,
                    "quantile" => UncertainRule.Quantile,
                    var x => throw new Learning.Data.DatasetException($"--rule '{x}' is not accuracy or quantile."),
                },
                Target = result.GetValue(target),
                MinCoverage = result.GetValue(floor),
                FitTemperature = !result.GetValue(noTemperature),
            };
            var r = SpectreProgress.Run(p => Recalibration.Run(from, manifest, [.. result.GetValue(data)!.Select(x => x.FullName)],
                [.. (result.GetValue(negatives) ?? []).Select(x => x.FullName)], [.. (result.GetValue(check) ?? []).Select(x => x.FullName)], o,
                result.GetValue(cache)?.FullName ?? FeatureCache.DefaultRoot, p, ct, [.. (result.GetValue(otherCrops) ?? []).Select(x => x.FullName)]));
            using var writer = ModelVersionWriter.Begin(result.GetValue(output)!.FullName, "calibrate");
            var staging = writer.StagingFolder;
            File.WriteAllBytes(Path.Combine(staging, manifest.Head), r.Head.ToByteArray());
            if (manifest.Inference?.Int8Calibration is { } int8) File.Copy(Path.Combine(from, int8), Path.Combine(staging, int8));
            foreach (var part in manifest.Backbone.FineTunedTail ?? []) File.Copy(Path.Combine(from, part), Path.Combine(staging, part));
            var next = manifest with
            {
                Version = writer.Version,
                CreatedUtc = DateTimeOffset.UtcNow,
                Calibration = r.Calibration,
                Metrics = new Dictionary<string, JsonElement> { ["calibration"] = JsonSerializer.SerializeToElement(new { before = r.Before, after = r.After, eceBefore = r.ReliabilityBefore.Ece, eceAfter = r.ReliabilityAfter.Ece }, ModelManifest.Json) },
                Training = manifest.Training with { Selection = manifest.Training.Selection + $" Recalibrated from {manifest.Crop}/{manifest.Version} by `cropvision calibrate` (same heads; temperature and uncertain thresholds{(r.Calibration.LeafUncertainBelow is null ? "" : ", leaf thresholds against non-leaves and other crops")}; see calibration.md); val metrics as served." },
            };
            next.Write(staging);
            var servedRows = result.GetValue(served) ? Served(from, manifest, staging, next, result.GetValue(data)!, result.GetValue(check) ?? [], ct) : [];
            if (servedRows.Count > 0)
            {
                var metrics = new Dictionary<string, JsonElement>(next.Metrics) { ["calibrationServed"] = JsonSerializer.SerializeToElement(servedRows, ModelManifest.Json) };
                next = next with { Metrics = metrics };
                next.Write(staging);
            }
            {
                // The val headline figures as served (what /v1/models shows), and the report beside them.
                var sources = ModelScoring.Load(result.GetValue(data)!, result.GetValue(negatives));
                using var servedModel = CropModel.Load(staging, Backbone.Load());
                var scored = SpectreProgress.Run(p => ModelScoring.Score(servedModel, sources, Split.Val, p, ct, "as served")).Scored;
                var report = EvaluationReport.Build(next, $"{next.Crop}/{next.Version}", string.Join("; ", sources.Select(x => x.Root)), "val", scored, []);
                next = next with { Metrics = new Dictionary<string, JsonElement>(next.Metrics) { ["val"] = JsonSerializer.SerializeToElement(ModelTrainer.Summary(report), ModelManifest.Json) } };
                next.Write(staging);
                ReportWriter.Write(report, staging, $"{next.Crop} model version {next.Version}: validation report");
            }
            File.WriteAllBytes(Path.Combine(staging, "reliability-before.png"), ReportCharts.ReliabilityDiagram(r.ReliabilityBefore.Reliability, r.ReliabilityBefore.Ece));
            File.WriteAllBytes(Path.Combine(staging, "reliability-after.png"), ReportCharts.ReliabilityDiagram(r.ReliabilityAfter.Reliability, r.ReliabilityAfter.Ece));
            File.WriteAllBytes(Path.Combine(staging, "coverage-before.png"), ReportCharts.CoverageAccuracyCurve(r.ReliabilityBefore.Reliability));
            File.WriteAllBytes(Path.Combine(staging, "coverage-after.png"), ReportCharts.CoverageAccuracyCurve(r.ReliabilityAfter.Reliability));
            File.WriteAllText(Path.Combine(staging, "calibration.md"), Report(manifest, writer.Version, r, servedRows));
            var table = new Table().AddColumns("group", "leaves", "ok right before", "coverage before", "ok right after", "coverage after");
            foreach (var (b, a) in r.Before.Zip(r.After)) table.AddRow(Markup.Escape(b.Group), $"{b.Leaves}", P(b.OkAccuracy), P(b.Coverage), P(a.OkAccuracy), P(a.Coverage));
            AnsiConsole.Write(table);
            if (writer.Commit() is { } kept) AnsiConsole.WriteLine(kept);
            AnsiConsole.MarkupLine($"[green]Wrote[/] {Markup.Escape(writer.FinalFolder)} (not promoted)");
            return 0;
        })));
        return command;
    }

    private static string P(double? x) => x is not { } v || double.IsNaN(v) ? "-" : v.ToString("P1", CultureInfo.InvariantCulture);

    /// <summary>One version's val answers through the path the service runs (int8 backbone, early exit).</summary>
    public sealed record ServedFigures(string Version, string Group, int Leaves, double? OkAccuracy, double Coverage, double PassesPerPhoto);

    private static List<ServedFigures> Served(string from, ModelManifest before, string staging, ModelManifest after, DirectoryInfo[] data, DirectoryInfo[] check, CancellationToken ct)
    {
        var backbone = Backbone.Load();
        var sources = ModelScoring.Load(data, null);
        var rows = new List<ServedFigures>();
        foreach (var (folder, m) in new[] { (from, before), (staging, after) })
        {
            using var model = CropModel.Load(folder, backbone);
            var name = $"{m.Crop}/{m.Version}";
            var scored = SpectreProgress.Run(p => ModelScoring.Score(model, sources, Learning.Data.Split.Val, p, ct, $"{name} as served")).Scored;
            var labels = m.Task(m.PrimaryOutput).Labels.ToList();
            var leaves = scored.Where(x => !x.Image.Negative).ToList();
            void Add(string group, IEnumerable<ScoredImage> g)
            {
                var list = g.ToList();
                var ok = list.Where(x => Verdict.Decide(x.Output, m, x.Framing) == PredictionStatus.Ok).ToList();
                int right = ok.Count(x => ClassificationMetrics.ArgMax([.. x.Output.Probabilities[m.PrimaryOutput]]) == labels.IndexOf(x.Image.Class));
                rows.Add(new ServedFigures(name, group, list.Count, ok.Count == 0 ? null : right / (double)ok.Count, ok.Count / (double)Math.Max(1, list.Count), model.PassesPerImage));
            }
            Add("val", leaves);
            foreach (var f in leaves.Select(x => x.Framing).Distinct().Order()) Add($"val, {EvaluationReport.FramingName(f)}", leaves.Where(x => x.Framing == f));
            if (check.Length == 0) continue;
            // Other crops' leaves sent as this crop, every photo: the share answered ok (none of them is right).
            var others = SpectreProgress.Run(p => ModelScoring.Score(model, [.. check.Select(c => Learning.Data.LabelledDataset.LoadNegatives(c.FullName, valFraction: 1))], null, p, ct, $"{name} as served")).Scored;
            int okOthers = others.Count(x => Verdict.Decide(x.Output, m, x.Framing) == PredictionStatus.Ok);
            rows.Add(new ServedFigures(name, $"{string.Join("+", check.Select(c => c.Name))} (other crops, sent as {m.Crop}): answered ok", others.Count, null, okOthers / (double)Math.Max(1, others.Count), model.PassesPerImage));
        }
        return rows;
    }

    private static string Report(ModelManifest from, int version, RecalibrationResult r, List<ServedFigures> served)
    {
        var s = new StringBuilder();
        s.AppendLine($"# {from.Crop}/{version}: {from.Crop}/{from.Version} recalibrated").AppendLine();
        s.AppendLine($"Temperature {r.Fit.Temperature.ToString("F3", CultureInfo.InvariantCulture)}; uncertain below: {string.Join(", ", r.Fit.Thresholds.Select(kv => $"{EvaluationReport.FramingName(kv.Key)} {kv.Value.ToString("F3", CultureInfo.InvariantCulture)}"))}.").AppendLine();
        s.AppendLine(r.Calibration.Method).AppendLine();
        foreach (var n in r.Fit.Notes) s.AppendLine($"- {n}");
        s.AppendLine().AppendLine("Ok answers: share right, and share of the group's leaves answered ok (coverage); rejected leaves count as not ok. Figures from fp32 features, every view.").AppendLine();
        s.AppendLine("| group | leaves | ok right before | coverage before | ok right after | coverage after |").AppendLine("| --- | --- | --- | --- | --- | --- |");
        foreach (var (b, a) in r.Before.Zip(r.After)) s.AppendLine($"| {b.Group} | {b.Leaves} | {P(b.OkAccuracy)} | {P(b.Coverage)} | {P(a.OkAccuracy)} | {P(a.Coverage)} |");
        if (served.Count > 0)
        {
            s.AppendLine().AppendLine("Val leaves through the path the service runs (int8 backbone, early exit; backbone passes per photo measured over every val photo scored):").AppendLine();
            s.AppendLine("| version | group | leaves | ok right | coverage | passes/photo |").AppendLine("| --- | --- | --- | --- | --- | --- |");
            foreach (var x in served) s.AppendLine($"| {x.Version} | {x.Group} | {x.Leaves} | {P(x.OkAccuracy)} | {P(x.Coverage)} | {x.PassesPerPhoto.ToString("F2", CultureInfo.InvariantCulture)} |");
        }
        s.AppendLine().AppendLine($"Reliability on val and proxy leaves: ECE {r.ReliabilityBefore.Ece.ToString("F3", CultureInfo.InvariantCulture)} before, {r.ReliabilityAfter.Ece.ToString("F3", CultureInfo.InvariantCulture)} after.").AppendLine();
        s.AppendLine("| before | after |").AppendLine("| --- | --- |");
        s.AppendLine("| ![reliability before](reliability-before.png) | ![reliability after](reliability-after.png) |");
        s.AppendLine("| ![coverage vs accuracy before](coverage-before.png) | ![coverage vs accuracy after](coverage-after.png) |");
        return s.ToString();
    }
}
