using System.CommandLine;
using System.Globalization;
using CropVision.Core.Inference;
using CropVision.Core.Models;
using CropVision.Core.Preprocessing;
using CropVision.Training.Console;
using Spectre.Console;

namespace CropVision.Training.Commands;

public static class PredictCommand
{
    public static Command Create()
    {
        var model = ModelOption.Create();
        var top = new Option<int>("--top") { Description = "How many classes to show", DefaultValueFactory = _ => 3 };
        var images = new Argument<FileInfo[]>("images") { Description = "Leaf photos (JPEG, PNG or WebP)", Arity = ArgumentArity.OneOrMore };
        var command = new Command("predict", "Diagnose leaf photos without a server") { model, top, images };
        command.SetAction((result, cancellation) => Task.FromResult(ConsoleErrors.Guard(() =>
        {
            using var cropModel = ModelOption.Load(result.GetValue(model)!, out _);
            var m = cropModel.Manifest;
            int failures = 0;
            foreach (var file in result.GetValue(images)!)
            {
                ModelOutput output;
                Framing framing;
                try
                {
                    var tensor = ImagePreprocessor.Preprocess(File.ReadAllBytes(file.FullName), cropModel.Spec, out framing);
                    output = cropModel.Run(tensor, 1)[0];
                }
                catch (Exception e) when (e is ImageDecodeException or IOException or UnauthorizedAccessException)
                {
                    AnsiConsole.MarkupLine($"[red]{Markup.Escape(file.Name)}[/]: {Markup.Escape(e.Message)}");
                    failures++;
                    continue;
                }
                var status = Verdict.Decide(output, m, framing);
                var colour = status switch { PredictionStatus.Ok => "green", PredictionStatus.Uncertain => "yellow", _ => "red" };
                var ranked = Verdict.Ranked(output, m.Task(m.PrimaryOutput));
                AnsiConsole.MarkupLine($"[bold]{Markup.Escape(file.Name)}[/] ({(framing == Framing.CloseUp ? "close-up" : "wide")}): [{colour}]{status.ToString().ToLowerInvariant()}[/] {Markup.Escape(ranked[0].Label)} {ranked[0].Probability:P1}");
                foreach (var r in ranked.Take(result.GetValue(top)).Skip(1)) AnsiConsole.MarkupLine($"    {Markup.Escape(r.Label)} {r.Probability.ToString("P1", CultureInfo.InvariantCulture)}");
                foreach (var t in m.Tasks.Where(t => t.Output != m.PrimaryOutput))
                {
                    if (!t.AppliesTo(framing)) { AnsiConsole.MarkupLine($"    {Markup.Escape(t.Output)}: (not learned for this framing)"); continue; }
                    var ranks = Verdict.Ranked(output, t);
                    var shown = t.Kind == TaskSpec.MultiLabel
                        ? string.Join(", ", ranks.Where(r => r.Probability >= 0.5f).Select(r => $"{r.Label} {r.Probability.ToString("P0", CultureInfo.InvariantCulture)}")) is { Length: > 0 } s ? s : "none"
                        : $"{ranks[0].Label} ({ranks[0].Probability.ToString("P0", CultureInfo.InvariantCulture)})";
                    AnsiConsole.MarkupLine($"    {Markup.Escape(t.Output)}: {Markup.Escape(shown)}");
                }
                if (status == PredictionStatus.Rejected) AnsiConsole.MarkupLine($"    [red]this does not look like a {Markup.Escape(m.Crop)} leaf like those the model learned from[/]");
            }
            return failures == 0 ? 0 : 1;
        })));
        return command;
    }
}
