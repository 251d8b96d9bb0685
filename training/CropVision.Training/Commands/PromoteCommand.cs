using System.CommandLine;
using System.Globalization;
using CropVision.Core.Models;
using CropVision.Learning.Comparison;
using CropVision.Learning.Data;
using CropVision.Learning.Evaluation;
using CropVision.Training.Console;
using Spectre.Console;

namespace CropVision.Training.Commands;

/// <summary>
/// <c>promote</c>: compares a candidate version with the version serving now on gate data and, if it passes the gate,
/// writes the comparison into the candidate's folder and marks it for service (<c>serving.json</c>), which the
/// service's folder watcher picks up. Exit codes: 0 promoted, 2 refused by the gate, 1 bad input.
/// </summary>
public static class PromoteCommand
{
    public const int Refused = 2;
    public const string ComparisonFolder = "promotion";

    public static Command Create()
    {
        var model = new Option<DirectoryInfo>("--model") { Description = "The candidate version folder (models/coffee/3)", Required = true };
        var gate = new Option<DirectoryInfo[]>("--gate") { Description = "Labelled gate folder(s) both versions are scored on; repeatable", Required = true };
        var negatives = new Option<DirectoryInfo[]>("--negatives") { Description = "Folder of photos that are not leaves of this crop, shown in the comparison; repeatable" };
        var split = new Option<string>("--split") { Description = "Score only this split of the gate's labels.csv: all, train, val or test", DefaultValueFactory = _ => "all" };
        var alpha = new Option<double>("--alpha") { Description = "Significance level of the paired test: refuse when the candidate is worse with p below it", DefaultValueFactory = _ => 0.05 };
        var command = new Command("promote", "Put a model version in service if it is not worse than the serving version on gate data (exact McNemar) and rejects no more leaves")
            { model, gate, negatives, split, alpha };
        command.SetAction((result, ct) => Task.FromResult(ConsoleErrors.Guard(() =>
        {
            var candidateFolder = result.GetValue(model)!.FullName.TrimEnd(Path.DirectorySeparatorChar);
            if (!File.Exists(Path.Combine(candidateFolder, ModelManifest.FileName)))
                throw new DatasetException($"'{candidateFolder}' is not a model version folder (no {ModelManifest.FileName}).");
            var level = result.GetValue(alpha);
            if (level is <= 0 or >= 1) throw new DatasetException("--alpha must be between 0 and 1.");
            var cropFolder = Path.GetDirectoryName(candidateFolder)!;
            if (!int.TryParse(Path.GetFileName(candidateFolder), NumberStyles.None, CultureInfo.InvariantCulture, out var candidate))
                throw new DatasetException($"'{candidateFolder}' is not a numbered version folder under a crop folder (models/coffee/3).");

            var marker = ServingMarker.Read(cropFolder);
            // Where nothing is marked, what serves is the newest version other than the candidate (train marks it when one lands).
            int? serving = marker?.Version ?? ModelRepository.Versions(cropFolder).Where(v => v != candidate).Select(v => (int?)v).LastOrDefault();
            if (serving == candidate) { AnsiConsole.MarkupLine($"Version {candidate} is already marked for service."); return 0; }

            string? comparisonPath = null, reason;
            if (serving is { } current && ModelRepository.Versions(cropFolder).Contains(current))
            {
                using var a = ModelOption.Load(Path.Combine(cropFolder, current.ToString(CultureInfo.InvariantCulture)), out _);
                using var b = ModelOption.Load(candidateFolder, out _);
                var sources = ModelScoring.Load(result.GetValue(gate)!, result.GetValue(negatives));
                var only = ModelScoring.ParseSplit(result.GetValue(split)!);
                var comparison = SpectreProgress.Run(p => Comparer.Run(a, b, sources, only, p, ct));
                ComparisonTables.Print(comparison);
                (var accepted, reason) = PromotionGate.Decide(comparison, level);
                if (!accepted)
                {
                    AnsiConsole.MarkupLine($"[red]refused:[/] {Markup.Escape(reason)}. Version {current} keeps serving.");
                    return Refused;
                }
                // Written before the marker: a version marked for service always carries the comparison that let it in.
                ComparisonWriter.Write(comparison, Path.Combine(candidateFolder, ComparisonFolder));
                comparisonPath = $"{candidate}/{ComparisonFolder}/{ComparisonWriter.HtmlFile}";
            }
            else reason = serving is null ? "no version serves yet, so there is nothing to compare with" : $"the marked version {serving} is missing, so there is nothing to compare with";

            new ServingMarker
            {
                Version = candidate, Previous = serving, By = "promote", At = DateTimeOffset.UtcNow,
                Gate = string.Join("; ", result.GetValue(gate)!.Select(g => g.FullName)), Comparison = comparisonPath,
            }.Write(cropFolder);
            AnsiConsole.MarkupLine($"[green]promoted:[/] {Markup.Escape(reason)}.");
            AnsiConsole.MarkupLine($"Version {candidate} is marked for service in {Markup.Escape(Path.Combine(cropFolder, ServingMarker.FileName))}; a running service with Models:WatchForChanges reloads it (or POST /v1/models/{{crop}}/reload).");
            return 0;
        })));
        return command;
    }
}
