using System.CommandLine;
using CropVision.Core.Inference;
using CropVision.Core.Preprocessing;
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
        var data = new Option<DirectoryInfo[]>("--data") { Description = "Labelled folder (same layout as for train); repeat for several sources, each reported apart and together", Required = true };
        var negatives = new Option<DirectoryInfo[]>("--negatives") { Description = "Folder of photos that are not leaves of this crop; repeatable. Reports the share rejected" };
        var split = new Option<string>("--split") { Description = "Score only this split of labels.csv: all, train, val or test (negatives: their seeded split)", DefaultValueFactory = _ => "all" };
        var json = new Option<FileInfo?>("--json") { Description = "Write the metrics as JSON to this file" };
        var report = new Option<DirectoryInfo?>("--report") { Description = "Write report.html, its pictures, thumbnails of the worst mistakes and metrics.json into this folder" };
        var command = new Command("evaluate", "Score a model on labelled photos through the same inference path the service uses") { model, data, negatives, split, json, report };
        command.SetAction((result, ct) => Task.FromResult(ConsoleErrors.Guard(() =>
        {
            using var cropModel = ModelOption.Load(result.GetValue(model)!, out _);
            var splitName = result.GetValue(split)!.ToLowerInvariant();
            Split? only = splitName switch
            {
                "all" => null,
                "train" => Split.Train,
                "val" => Split.Val,
                "test" => Split.Test,
                _ => throw new DatasetException($"--split '{splitName}' is not all, train, val or test."),
            };
            var sources = result.GetValue(data)!.Select(d => LabelledDataset.Load(d.FullName))
                .Concat((result.GetValue(negatives) ?? []).Select(d => LabelledDataset.LoadNegatives(d.FullName))).ToList();
            var classes = cropModel.Manifest.Task(cropModel.Manifest.PrimaryOutput).Labels;
            var scored = new List<ScoredImage>();
            var skipped = new List<UnreadableImage>();
            SpectreProgress.Run(p =>
            {
                foreach (var dataset in sources)
                {
                    var name = Path.GetFileName(dataset.Root);
                    var images = dataset.Images.Where(i => only is null || i.Split == only).ToList();
                    if (images.Count == 0) throw new DatasetException($"No image in '{dataset.Root}' is in split '{splitName}'.");
                    var unknown = images.Where(i => !i.Negative).Select(i => i.Class).Distinct().Where(c => !classes.Contains(c)).ToList();
                    if (unknown.Count > 0) AnsiConsole.MarkupLine($"[yellow]The model has no class {Markup.Escape(string.Join(", ", unknown))}; those images of {Markup.Escape(name)} count in no stress metric.[/]");
                    p.Stage($"Scoring {images.Count} images of {name}", images.Count);
                    var (outputs, unreadable) = ImagePipeline.Run<Tuple<ModelOutput, Framing>>(dataset.Root, [.. images.Select(i => i.RelativePath)], cropModel.Spec,
                        (_, _) => null, (_, tensor, framing) => Tuple.Create(cropModel.Run(tensor, 1)[0], framing), p.Advance, ct);
                    for (int i = 0; i < images.Count; i++)
                        if (outputs[i] is { } o)
                            scored.Add(new ScoredImage(images[i], o.Item1, name, o.Item2, images[i].FullPath(dataset.Root)));
                    skipped.AddRange(unreadable.Select(u => u with { RelativePath = $"{name}/{u.RelativePath}" }));
                }
                return 0;
            });
            var dataNames = string.Join("; ", sources.Select(s => s.Root));
            var r = EvaluationReport.Build(cropModel.Manifest, ModelOption.Name(cropModel.Manifest), dataNames, splitName, scored, skipped);
            ResultTables.Print(r);
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
