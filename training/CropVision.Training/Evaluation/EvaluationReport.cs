using CropVision.Core;
using System.Text.Json;
using CropVision.Core.Inference;
using CropVision.Core.Models;
using CropVision.Training.Data;
using CropVision.Training.Features;

namespace CropVision.Training.Evaluation;

/// <summary>Everything an evaluation found, in the shape written to metrics.json.</summary>
public sealed record EvaluationReport
{
    public required string Model { get; init; }
    public required string Data { get; init; }
    public required string Split { get; init; }
    public required int Images { get; init; }
    public required double Accuracy { get; init; }
    public required double MacroF1 { get; init; }
    public required double Ece { get; init; }
    public double? SeverityAccuracy { get; init; }
    public double? SeverityMae { get; init; }
    public double? StressFlagsMacroF1 { get; init; }
    public required IReadOnlyList<string> Labels { get; init; }
    public required int[][] Confusion { get; init; }
    public required ClassificationMetrics Stress { get; init; }
    public ClassificationMetrics? Severity { get; init; }
    public MultiLabelMetrics? Flags { get; init; }
    /// <summary>Share of the evaluated leaves the calibrated thresholds would mark uncertain or reject.</summary>
    public double? UncertainRate { get; init; }
    public double? RejectedRate { get; init; }
    public IReadOnlyList<UnreadableImage> Skipped { get; init; } = [];
    public required DateTimeOffset CreatedUtc { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, ModelManifest.Json);

    /// <summary>Scores model outputs against labels. Severity and flags count only images whose labels give them.</summary>
    public static EvaluationReport Build(ModelManifest manifest, string modelName, string data, string split,
        IReadOnlyList<(LabelledImage Image, ModelOutput Output)> scored, IReadOnlyList<UnreadableImage> skipped)
    {
        var primary = manifest.Task(manifest.PrimaryOutput);
        var known = scored.Where(s => primary.Labels.Contains(s.Image.Class)).ToList();
        var stress = ClassificationMetrics.Compute(primary.Labels,
            [.. known.Select(s => primary.Labels.IndexOf(s.Image.Class))], [.. known.Select(s => s.Output.Probabilities[primary.Output])]);

        ClassificationMetrics? severity = null;
        if (manifest.Tasks.FirstOrDefault(t => t.Output == TaskNames.Severity) is { } sev)
        {
            var rows = scored.Where(s => s.Image.Severity is { } v && v < sev.Labels.Count).ToList();
            if (rows.Count > 0)
                severity = ClassificationMetrics.Compute(sev.Labels, [.. rows.Select(s => s.Image.Severity!.Value)], [.. rows.Select(s => s.Output.Probabilities[sev.Output])]);
        }
        MultiLabelMetrics? flags = null;
        if (manifest.Tasks.FirstOrDefault(t => t.Output == TaskNames.Flags) is { } fl)
        {
            var rows = scored.Where(s => s.Image.Flags is not null && fl.Labels.All(s.Image.Flags.ContainsKey)).ToList();
            if (rows.Count > 0)
                flags = MultiLabelMetrics.Compute(fl.Labels, [.. rows.Select(s => fl.Labels.Select(l => s.Image.Flags![l]).ToArray())], [.. rows.Select(s => s.Output.Probabilities[fl.Output])]);
        }
        var cal = manifest.Calibration;
        int n = Math.Max(1, scored.Count);
        return new EvaluationReport
        {
            Model = modelName, Data = data, Split = split, Images = scored.Count,
            Accuracy = stress.Accuracy, MacroF1 = stress.MacroF1, Ece = stress.Ece,
            SeverityAccuracy = severity?.Accuracy, SeverityMae = severity?.MeanAbsoluteError, StressFlagsMacroF1 = flags?.MacroF1,
            Labels = primary.Labels, Confusion = stress.Confusion, Stress = stress, Severity = severity, Flags = flags,
            RejectedRate = scored.Count(s => s.Output.Distance > cal.RejectAbove) / (double)n,
            UncertainRate = scored.Count(s => s.Output.Distance <= cal.RejectAbove && s.Output.Probabilities[primary.Output].Max() < cal.UncertainBelow) / (double)n,
            Skipped = skipped, CreatedUtc = DateTimeOffset.UtcNow,
        };
    }
}
