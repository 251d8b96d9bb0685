using System.Text.Json;
using CropVision.Core;
using CropVision.Core.Inference;
using CropVision.Core.Models;
using CropVision.Core.Preprocessing;
using CropVision.Learning.Data;
using CropVision.Learning.Features;

namespace CropVision.Learning.Evaluation;

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

    /// <summary>Results per data source and per framing (leaves only), so one kind of photo cannot hide another.</summary>
    public IReadOnlyList<GroupResult> Groups { get; init; } = [];
    /// <summary>Photos that are not leaves of the crop (negatives): how many were scored and the share rejected.</summary>
    public int? NotLeafImages { get; init; }
    public double? NotLeafRejectedRate { get; init; }
    /// <summary>Training only: share of augmented copies of val non-leaves rejected (the field proxy; scored on each copy's first flip).</summary>
    public double? AugmentedNotLeafRejectedRate { get; init; }
    /// <summary>The worst mistakes, most confident first: wrong main stress, leaves rejected, non-leaves accepted.</summary>
    public IReadOnlyList<Mistake> Mistakes { get; init; } = [];

    public string ToJson() => JsonSerializer.Serialize(this, ModelManifest.Json);

    public const int MistakesShown = 12;

    /// <summary>Scores model outputs against labels. Severity and flags count only images whose labels give them.</summary>
    public static EvaluationReport Build(ModelManifest manifest, string modelName, string data, string split,
        IReadOnlyList<ScoredImage> scored, IReadOnlyList<UnreadableImage> skipped)
    {
        var leaves = scored.Where(s => !s.Image.Negative).ToList();
        var negatives = scored.Where(s => s.Image.Negative).ToList();
        var all = Score(manifest, "all leaves", leaves);
        var groups = new List<GroupResult>();
        foreach (var source in leaves.Select(s => s.Source).Distinct()) groups.Add(Score(manifest, $"source {source}", [.. leaves.Where(s => s.Source == source)]).Result);
        foreach (var framing in leaves.Select(s => s.Framing).Distinct().Order()) groups.Add(Score(manifest, $"framing {FramingName(framing)}", [.. leaves.Where(s => s.Framing == framing)]).Result);
        var cal = manifest.Calibration;
        return all.Report with
        {
            Model = modelName,
            Data = data,
            Split = split,
            Skipped = skipped,
            Groups = groups,
            NotLeafImages = negatives.Count > 0 ? negatives.Count : null,
            NotLeafRejectedRate = negatives.Count > 0 ? negatives.Count(s => Verdict.IsRejected(s.Output, cal)) / (double)negatives.Count : null,
            Mistakes = WorstMistakes(manifest, scored),
        };
    }

    public static string FramingName(Framing f) => f == Framing.CloseUp ? "close-up" : "wide (whole leaf)";

    private static (EvaluationReport Report, GroupResult Result) Score(ModelManifest manifest, string name, IReadOnlyList<ScoredImage> scored)
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
        double rejected = scored.Count(s => Verdict.IsRejected(s.Output, cal)) / (double)n;
        double uncertain = scored.Count(s => Verdict.Decide(s.Output, manifest, s.Framing) == PredictionStatus.Uncertain) / (double)n;
        var report = new EvaluationReport
        {
            Model = "", Data = "", Split = "", Images = scored.Count,
            Accuracy = stress.Accuracy, MacroF1 = stress.MacroF1, Ece = stress.Ece,
            SeverityAccuracy = severity?.Accuracy, SeverityMae = severity?.MeanAbsoluteError, StressFlagsMacroF1 = flags?.MacroF1,
            Labels = primary.Labels, Confusion = stress.Confusion, Stress = stress, Severity = severity, Flags = flags,
            RejectedRate = rejected, UncertainRate = uncertain, CreatedUtc = DateTimeOffset.UtcNow,
        };
        var result = new GroupResult(name, scored.Count, stress.Accuracy, stress.MacroF1, severity?.Accuracy, flags?.MacroF1, rejected, uncertain,
            stress.PerClass.Where(c => c.Support > 0).ToDictionary(c => c.Label, c => Math.Round(c.Recall, 4)));
        return (report, result);
    }

    private static List<Mistake> WorstMistakes(ModelManifest manifest, IReadOnlyList<ScoredImage> scored)
    {
        var primary = manifest.Task(manifest.PrimaryOutput);
        var cal = manifest.Calibration;
        var found = new List<Mistake>();
        foreach (var s in scored)
        {
            var p = s.Output.Probabilities[primary.Output];
            int top = ClassificationMetrics.ArgMax(p);
            bool rejected = Verdict.IsRejected(s.Output, cal);
            string? kind = s.Image.Negative ? (rejected ? null : "not a leaf, accepted")
                : rejected ? "leaf rejected"
                : primary.Labels.Contains(s.Image.Class) && primary.Labels[top] != s.Image.Class ? "wrong stress" : null;
            if (kind is null) continue;
            found.Add(new Mistake(kind, s.Source, s.Image.RelativePath, FramingName(s.Framing), s.Image.Class, primary.Labels[top], Math.Round(p[top], 4), s.FullPath));
        }
        // The most confident first, but every kind gets a place.
        var byKind = found.GroupBy(m => m.Kind).Select(g => g.OrderByDescending(m => m.Confidence).ToList()).ToList();
        var shown = new List<Mistake>();
        for (int i = 0; shown.Count < MistakesShown && byKind.Any(k => k.Count > i); i++)
            foreach (var k in byKind) if (k.Count > i && shown.Count < MistakesShown) shown.Add(k[i]);
        return [.. shown.OrderBy(m => m.Kind, StringComparer.Ordinal).ThenByDescending(m => m.Confidence)];
    }
}

/// <summary>One scored photo: its labels, the model's outputs, which data folder it came from and how it was framed.</summary>
public sealed record ScoredImage(LabelledImage Image, ModelOutput Output, string Source, Framing Framing, string FullPath);

/// <summary>Headline figures for a subset of the leaves (one source or one framing).</summary>
public sealed record GroupResult(string Name, int Images, double Accuracy, double MacroF1, double? SeverityAccuracy, double? StressFlagsMacroF1,
    double RejectedRate, double UncertainRate, IReadOnlyDictionary<string, double> PerClassRecall);

/// <summary>A photo the model got wrong; <see cref="FullPath"/> is where the report's thumbnail is read from (not written to JSON).</summary>
public sealed record Mistake(string Kind, string Source, string File, string Framing, string Truth, string Predicted, double Confidence,
    [property: System.Text.Json.Serialization.JsonIgnore] string FullPath)
{
    public string? Thumbnail { get; init; }
}
