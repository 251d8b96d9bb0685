using System.CommandLine;
using CropVision.Core.Inference;
using CropVision.Training.Console;
using CropVision.Training.Data;
using CropVision.Training.Evaluation;
using CropVision.Training.Features;
using Spectre.Console;

namespace CropVision.Training.Commands;

public static class EvaluateCommand
{
    public static Command Create()
    {
        var model = ModelOption.Create();
        var data = new Option<DirectoryInfo>("--data") { Description = "Labelled folder (same layout as for train)", Required = true };
        var split = new Option<string>("--split") { Description = "Score only this split of labels.csv: all, train, val or test", DefaultValueFactory = _ => "all" };
        var json = new Option<FileInfo?>("--json") { Description = "Write the metrics as JSON to this file" };
        var report = new Option<DirectoryInfo?>("--report") { Description = "Write report.html, its pictures and metrics.json into this folder" };
        var command = new Command("evaluate", "Score a model on labelled photos through the same inference path the service uses") { model, data, split, json, report };
        command.SetAction((result, ct) => Task.FromResult(ConsoleErrors.Guard(() =>
        {
            using var cropModel = ModelOption.Load(result.GetValue(model)!, out _);
            var dataset = LabelledDataset.Load(result.GetValue(data)!.FullName);
            var splitName = result.GetValue(split)!.ToLowerInvariant();
            var images = splitName switch
            {
                "all" => dataset.Images,
                "train" => [.. dataset.In(Split.Train)],
                "val" => [.. dataset.In(Split.Val)],
                "test" => [.. dataset.In(Split.Test)],
                _ => throw new DatasetException($"--split '{splitName}' is not all, train, val or test."),
            };
            if (images.Count == 0) throw new DatasetException($"No image in '{dataset.Root}' is in split '{splitName}'.");
            var unknown = images.Select(i => i.Class).Distinct().Where(c => !cropModel.Manifest.Task(cropModel.Manifest.PrimaryOutput).Labels.Contains(c)).ToList();
            if (unknown.Count > 0) AnsiConsole.MarkupLine($"[yellow]The model has no class {Markup.Escape(string.Join(", ", unknown))}; those images count in no metric.[/]");

            var (outputs, skipped) = SpectreProgress.Run(p =>
            {
                p.Stage($"Scoring {images.Count} images", images.Count);
                return ImagePipeline.Run(dataset.Root, [.. images.Select(i => i.RelativePath)], cropModel.Spec,
                    _ => null, (_, tensor) => cropModel.Run(tensor, 1)[0], p.Advance, ct);
            });
            var scored = images.Select((img, i) => (img, outputs[i])).Where(x => x.Item2 is not null).Select(x => (x.img, x.Item2!)).ToList();
            var r = EvaluationReport.Build(cropModel.Manifest, ModelOption.Name(cropModel.Manifest), dataset.Root, splitName, scored, skipped);
            ResultTables.Print(r);
            if (result.GetValue(json) is { } j) { File.WriteAllText(j.FullName, r.ToJson() + "\n"); AnsiConsole.MarkupLine($"metrics written to {Markup.Escape(j.FullName)}"); }
            if (result.GetValue(report) is { } folder)
            {
                ReportWriter.Write(r, folder.FullName, $"{ModelOption.Name(cropModel.Manifest)} on {Path.GetFileName(dataset.Root)} ({splitName})");
                AnsiConsole.MarkupLine($"report written to {Markup.Escape(Path.Combine(folder.FullName, ReportWriter.HtmlFile))}");
            }
            return 0;
        })));
        return command;
    }
}
