using System.CommandLine;
using System.Globalization;
using CropVision.Core.Inference;
using CropVision.Core.Models;
using CropVision.Core.Models.Quantization;
using CropVision.Learning.Data;
using CropVision.Learning.Evaluation;
using CropVision.Learning.Heads;
using CropVision.Training.Console;
using Google.Protobuf;
using Spectre.Console;

namespace CropVision.Training.Commands;

/// <summary>
/// A cheaper way to run a trained model, written as the next version: the same head, an int8 backbone calibrated on
/// training photos, and an early exit whose threshold is chosen on val; its val metrics are measured through the
/// inference path the new manifest chooses, so evaluate, the service and export agree.
/// </summary>
public static class OptimizeCommand
{
    public static Command Create()
    {
        var model = ModelOption.Create();
        var data = new Option<DirectoryInfo[]>("--data") { Description = "Labelled folder(s): train split calibrates int8, val chooses the early exit and is reported", Required = true };
        var negatives = new Option<DirectoryInfo[]>("--negatives") { Description = "Non-leaf folder(s): their val photos must stay rejected" };
        var quantize = new Option<string>("--quantize") { Description = "int8 or none", DefaultValueFactory = _ => "int8" };
        var images = new Option<int>("--calibration-images") { Description = "Training photos for the int8 calibration", DefaultValueFactory = _ => 64 };
        var earlyExit = new Option<string>("--early-exit") { Description = "auto (lowest threshold no worse than every view on val), none, or a top probability", DefaultValueFactory = _ => "auto" };
        var output = new Option<DirectoryInfo>("--out") { Description = "The crop folder to write the next version into (models/coffee)", Required = true };
        var command = new Command("optimize", "Write the next version of a model with the same head run cheaper: int8 backbone and/or early exit, measured on val")
            { model, data, negatives, quantize, images, earlyExit, output };
        command.SetAction((result, ct) => Task.FromResult(ConsoleErrors.Guard(() =>
        {
            var from = ModelRepository.ResolveVersionFolder(result.GetValue(model)!);
            var manifest = ModelManifest.Read(from);
            var sources = ModelScoring.Load(result.GetValue(data)!, result.GetValue(negatives));
            var outFolder = result.GetValue(output)!.FullName;
            // The next version, staged and moved into place in one step; the version serving now keeps serving until promote.
            using var writer = ModelVersionWriter.Begin(outFolder, "optimize");
            int version = writer.Version;
            var staging = writer.StagingFolder;
            File.Copy(Path.Combine(from, manifest.Head), Path.Combine(staging, manifest.Head));
            foreach (var part in manifest.Backbone.FineTunedTail ?? []) File.Copy(Path.Combine(from, part), Path.Combine(staging, part));
            var backbone = Backbone.Load();
            // int8 of a fine-tuned version is calibrated on its own weights.
            var calibrationBackbone = ModelPackage.BackboneFor(from, manifest, backbone);
            var inference = new InferenceSpec();
            var mode = result.GetValue(quantize)!.ToLowerInvariant();
            if (mode is not ("int8" or "none")) throw new DatasetException($"--quantize '{mode}' is not int8 or none.");
            if (mode == "int8")
            {
                var leaves = sources.Where(s => !s.IsNegatives).ToList();
                int want = result.GetValue(images);
                var chosen = QuantizeCommand.CalibrationPhotos(leaves, want);
                var spec = manifest.Preprocessing;
                AnsiConsole.WriteLine($"Calibrating int8 on {chosen.Count} training photos ...");
                var calibration = Int8Calibrator.Calibrate(calibrationBackbone, chosen.Select(p => Core.Preprocessing.ImagePreprocessor.Preprocess(File.ReadAllBytes(p), spec)), spec.ViewCount, null,
                    QuantizeCommand.CalibrationData(leaves), reduceRange: false);
                calibration.Write(Path.Combine(staging, Int8Calibration.DefaultFileName));
                inference = inference with { Int8Calibration = Int8Calibration.DefaultFileName };
            }

            EvaluationReport Report(IReadOnlyList<ScoredImage> s) => EvaluationReport.Build(manifest, $"{manifest.Crop}/{version}", string.Join("; ", sources.Select(x => x.Root)), "val", s, []);
            List<ScoredImage> Score(InferenceSpec spec, string label)
            {
                using var m = CropModel.Load(staging, backbone, inference: spec);
                return SpectreProgress.Run(p => ModelScoring.Score(m, sources, Split.Val, p, ct, label)).Scored;
            }
            // The staging folder needs a manifest to load from.
            (manifest with { Version = version, Inference = inference }).Write(staging);
            var exitMode = result.GetValue(earlyExit)!.ToLowerInvariant();
            if (exitMode != "none")
            {
                double threshold;
                string method;
                if (exitMode == "auto")
                {
                    var first = Score(inference with { EarlyExit = new() { ConfidentAbove = 0 } }, "the first flip");
                    var all = Score(inference, "every view");
                    var candidates = EarlyExitSelection.Evaluate(Report, first, all, manifest.PrimaryOutput, manifest.Preprocessing.TileCount, manifest.Preprocessing.ViewCount);
                    var table = new Table().AddColumns("exit when top p >=", "val accuracy", "leaves rejected", "non-leaves rejected", "passes/photo", "no worse");
                    foreach (var c in candidates)
                        table.AddRow(c.ConfidentAbove.ToString(CultureInfo.InvariantCulture), $"{c.Report.Accuracy:P2}", $"{c.Report.RejectedRate:P2}", $"{c.Report.NotLeafRejectedRate:P1}", $"{c.PassesPerPhoto:F2}", c.NoWorse ? "yes" : "no");
                    AnsiConsole.Write(table);
                    var pick = candidates.FirstOrDefault(c => c.NoWorse) ?? throw new DatasetException("No early-exit threshold in the grid is as good as every view on val; use --early-exit none.");
                    threshold = pick.ConfidentAbove;
                    method = $"lowest of [{string.Join(", ", EarlyExitSelection.Grid.Select(g => g.ToString(CultureInfo.InvariantCulture)))}] whose answers on val (leaves of every source, and non-leaves) are no worse than every view's in main-stress accuracy, leaves rejected and non-leaves rejected ({pick.PassesPerPhoto:F2} backbone passes per val photo)";
                }
                else
                {
                    threshold = double.Parse(exitMode, CultureInfo.InvariantCulture);
                    method = "given on the command line";
                }
                inference = inference with { EarlyExit = new EarlyExitSpec { ConfidentAbove = threshold, Method = method } };
            }

            // Val metrics of what will be served, through the path the new manifest chooses.
            var next = manifest with
            {
                Version = version,
                CreatedUtc = DateTimeOffset.UtcNow,
                Inference = inference,
                Training = manifest.Training with { Selection = manifest.Training.Selection + $" Derived from {manifest.Crop}/{manifest.Version} by `cropvision optimize` (same head and calibration thresholds; inference: {(inference.Int8Calibration is null ? "fp32" : "int8 backbone")}{(inference.EarlyExit is { } e ? $", early exit below {e.ConfidentAbove.ToString(CultureInfo.InvariantCulture)}" : "")})." },
            };
            next.Write(staging);
            using (var served = CropModel.Load(staging, backbone))
            {
                var scored = SpectreProgress.Run(p => ModelScoring.Score(served, sources, Split.Val, p, ct, "as served")).Scored;
                var report = Report(scored);
                ResultTables.Print(report);
                AnsiConsole.WriteLine($"backbone passes per val photo: {served.PassesPerImage:F2}");
                ModelTrainer.WriteWithValReport(next, report, staging);
            }
            if (writer.Commit() is { } kept) AnsiConsole.WriteLine(kept);
            AnsiConsole.MarkupLine($"[green]Wrote[/] {Markup.Escape(writer.FinalFolder)}");
            return 0;
        })));
        return command;
    }
}
