using System.CommandLine;
using CropVision.Learning.Evaluation;
using CropVision.Training.Console;
using Spectre.Console;

namespace CropVision.Training.Commands;

public static class EvaluateCommand
{
    public static Command Create()
    {
        var model = ModelOption.Create();
        var data = new Option<DirectoryInfo[]>("--data") { Description = "Labelled folder (same layout as for train); repeat for several sources, each reported apart and together", Required = true };
        var negatives = new Option<DirectoryInfo[]>("--negatives") { Description = "Folder of photos that are not leaves of this crop; repeatable. Reports the share rejected" };
        var split = new Option<string>("--split") { Description = "Score only this split of labels.csv: all, train, val or test (negatives: their seeded split)", DefaultValueFactory = _ => "all" };
        var json = new Option<FileInfo?>("--json") { Description = "Write the metrics as JSON to this file" };
        var report = new Option<DirectoryInfo?>("--report") { Description = "Write report.html, its pictures, thumbnails of the worst mistakes and metrics.json into this folder" };
        var int8 = new Option<FileInfo?>("--int8-calibration") { Description = "Run the backbone as int8 with this calibration instead of what the manifest says (comparing variants)" };
        var earlyExit = new Option<double?>("--early-exit") { Description = "Run the other flips only when the first flip's top probability is below this, instead of what the manifest says (0: first flip only)" };
        var command = new Command("evaluate", "Score a model on labelled photos through the same inference path the service uses") { model, data, negatives, split, json, report, int8, earlyExit };
        command.SetAction((result, ct) => Task.FromResult(ConsoleErrors.Guard(() =>
        {
            using var cropModel = ModelOption.Load(result.GetValue(model)!, out _, ModelOption.Inference(result.GetValue(model)!, result.GetValue(int8), result.GetValue(earlyExit)));
            var splitName = result.GetValue(split)!.ToLowerInvariant();
            var only = ModelScoring.ParseSplit(splitName);
            var sources = ModelScoring.Load(result.GetValue(data)!, result.GetValue(negatives));
            var classes = cropModel.Manifest.Task(cropModel.Manifest.PrimaryOutput).Labels;
            foreach (var dataset in sources.Where(d => !d.IsNegatives))
            {
                var unknown = dataset.Classes.Where(c => !classes.Contains(c)).ToList();
                if (unknown.Count > 0) AnsiConsole.MarkupLine($"[yellow]The model has no class {Markup.Escape(string.Join(", ", unknown))}; those images of {Markup.Escape(Path.GetFileName(dataset.Root))} count in no stress metric.[/]");
            }
            var (scored, skipped) = SpectreProgress.Run(p => ModelScoring.Score(cropModel, sources, only, p, ct));
            var dataNames = string.Join("; ", sources.Select(s => s.Root));
            var r = EvaluationReport.Build(cropModel.Manifest, ModelOption.Name(cropModel.Manifest), dataNames, splitName, scored, skipped);
            ResultTables.Print(r);
            AnsiConsole.WriteLine($"backbone passes per photo: {cropModel.PassesPerImage:F2}");
            if (result.GetValue(json) is { } j) { File.WriteAllText(j.FullName, r.ToJson() + "\n"); AnsiConsole.MarkupLine($"metrics written to {Markup.Escape(j.FullName)}"); }
            if (result.GetValue(report) is { } folder)
            {
                ReportWriter.Write(r, folder.FullName, $"{ModelOption.Name(cropModel.Manifest)} on {string.Join(" + ", sources.Select(s => Path.GetFileName(s.Root)))} ({splitName})");
                AnsiConsole.MarkupLine($"report written to {Markup.Escape(Path.Combine(folder.FullName, ReportWriter.HtmlFile))}");
            }
            return 0;
        })));
        return command;
    }
}
