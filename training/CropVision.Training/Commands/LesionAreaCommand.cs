using System.CommandLine;
using System.Globalization;
using CropVision.Core.Models;
using CropVision.FineTuning.Severity;
using CropVision.Learning.Features;
using CropVision.Training.Console;
using Spectre.Console;

namespace CropVision.Training.Commands;

/// <summary><c>lesion-area</c>: severity from the lesions' share of the leaf, measured against the version's severity head.</summary>
public static class LesionAreaCommand
{
    public static Command Create()
    {
        var model = ModelOption.Create();
        var data = new Option<DirectoryInfo>("--data") { Description = "Labelled whole-leaf folder with severity grades in labels.csv (train fits the cut points, val scores)", Required = true };
        var seed = new Option<int>("--seed") { Description = "Seed of the split where labels.csv has none", DefaultValueFactory = _ => 42 };
        var cache = new Option<DirectoryInfo?>("--cache") { Description = $"Map cache folder (default {FeatureCache.DefaultRoot})" };
        var threads = new Option<int>("--threads") { Description = "LibTorch threads", DefaultValueFactory = _ => Environment.ProcessorCount };
        var command = new Command("lesion-area", "Severity from the share of the leaf the main-stress head's activation map marks diseased (cut points fitted on train), against the severity head on val")
            { model, data, seed, cache, threads };
        command.SetAction((result, ct) => Task.FromResult(ConsoleErrors.Guard(() =>
        {
            var folder = ModelRepository.ResolveVersionFolder(result.GetValue(model)!);
            var r = SpectreProgress.Run(p =>
            {
                p.Stage("Layer3 maps of graded leaves", 1);
                return LesionArea.Measure(folder, result.GetValue(data)!.FullName, result.GetValue(cache)?.FullName ?? FeatureCache.DefaultRoot,
                    result.GetValue(seed), result.GetValue(threads), p.Info, (done, total) => p.Advance(total == 0 ? 0 : done), ct);
            });
            var table = new Table().Title($"severity on {r.ValLeaves} val whole leaves ({r.TrainLeaves} train leaves fit the cut points)")
                .AddColumns("severity from", "accuracy", "mean |grade error|");
            table.AddRow("lesion area (activation map)", $"{r.ValAccuracy:P1}", r.ValMae.ToString("F3", CultureInfo.InvariantCulture));
            table.AddRow("the version's severity head", $"{r.HeadValAccuracy:P1}", r.HeadValMae.ToString("F3", CultureInfo.InvariantCulture));
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLineInterpolated($"Lesion-area train accuracy {r.TrainAccuracy:P1}; a cell is diseased above margin {r.MarginAbove:F3}; cut points {string.Join(", ", r.CutPoints.Select(c => c.ToString("F3", CultureInfo.InvariantCulture)))}; mean diseased share per true grade on val: {string.Join(", ", r.ValSharePerGrade.Select(g => $"{g.Grade}: {g.MeanShare:F3} ({g.Leaves})"))}.");
            bool area = r.ValAccuracy > r.HeadValAccuracy;
            AnsiConsole.MarkupLineInterpolated($"Better on val: {(area ? "lesion area" : "the severity head")}.");
            // Kept beside the version (as promote keeps its comparison there); the served severity stays the head's.
            var file = Path.Combine(folder, "lesion-area.json");
            File.WriteAllText(file, System.Text.Json.JsonSerializer.Serialize(new
            {
                better = area ? "lesion area" : "severity head",
                served = "severity head",
                valLeaves = r.ValLeaves, trainLeaves = r.TrainLeaves,
                lesionArea = new { valAccuracy = r.ValAccuracy, valMae = r.ValMae, trainAccuracy = r.TrainAccuracy, marginAbove = r.MarginAbove, cutPoints = r.CutPoints },
                head = new { valAccuracy = r.HeadValAccuracy, valMae = r.HeadValMae },
                valSharePerGrade = r.ValSharePerGrade.Select(g => new { grade = g.Grade, meanShare = g.MeanShare, leaves = g.Leaves }),
            }, new System.Text.Json.JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }) + "\n");
            AnsiConsole.MarkupLineInterpolated($"Wrote {file}.");
            return 0;
        })));
        return command;
    }
}
