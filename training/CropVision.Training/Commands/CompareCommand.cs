using System.CommandLine;
using CropVision.Learning.Comparison;
using CropVision.Learning.Data;
using CropVision.Learning.Evaluation;
using CropVision.Training.Console;
using Spectre.Console;

namespace CropVision.Training.Commands;

/// <summary><c>compare</c>: two model versions on the same photos, side by side, with a paired test.</summary>
public static class CompareCommand
{
    public static Command Create()
    {
        var models = new Option<string[]>("--model") { Description = "A model version folder; give exactly two (A, then B)", Required = true, AllowMultipleArgumentsPerToken = false };
        var data = new Option<DirectoryInfo[]>("--data") { Description = "Labelled folder; repeat for several, each reported apart", Required = true };
        var negatives = new Option<DirectoryInfo[]>("--negatives") { Description = "Folder of photos that are not leaves of this crop; repeatable" };
        var split = new Option<string>("--split") { Description = "Score only this split of labels.csv: all, train, val or test", DefaultValueFactory = _ => "all" };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the comparison as JSON to this file" };
        var report = new Option<DirectoryInfo?>("--report") { Description = "Folder for comparison.html, comparison.json and the thumbnails (default: compare-<crop>-<A>-vs-<B>)" };
        var command = new Command("compare", "Run two model versions on the same photos and write a side-by-side report with an exact McNemar test") { models, data, negatives, split, json, report };
        command.SetAction((result, ct) => Task.FromResult(ConsoleErrors.Guard(() =>
        {
            var paths = result.GetValue(models)!;
            if (paths.Length != 2) throw new DatasetException($"compare takes exactly two --model options (A and B); got {paths.Length}.");
            using var a = ModelOption.Load(paths[0], out _);
            using var b = ModelOption.Load(paths[1], out _);
            var sources = ModelScoring.Load(result.GetValue(data)!, result.GetValue(negatives));
            var only = ModelScoring.ParseSplit(result.GetValue(split)!);
            var comparison = SpectreProgress.Run(p => Comparer.Run(a, b, sources, only, p, ct));
            var folder = result.GetValue(report)?.FullName ?? Path.GetFullPath($"compare-{a.Manifest.Crop}-{a.Manifest.Version}-vs-{b.Manifest.Version}");
            comparison = ComparisonWriter.Write(comparison, folder);
            ComparisonTables.Print(comparison);
            AnsiConsole.MarkupLine($"report written to {Markup.Escape(Path.Combine(folder, ComparisonWriter.HtmlFile))}");
            if (result.GetValue(json) is { } j)
            {
                Directory.CreateDirectory(j.DirectoryName!);
                File.WriteAllText(j.FullName, comparison.ToJson() + "\n");
                AnsiConsole.MarkupLine($"comparison written to {Markup.Escape(j.FullName)}");
            }
            return 0;
        })));
        return command;
    }
}
