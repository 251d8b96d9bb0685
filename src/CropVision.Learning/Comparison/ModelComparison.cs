using System.Text.Json;
using CropVision.Core.Inference;
using CropVision.Core.Models;
using CropVision.Learning.Evaluation;

namespace CropVision.Learning.Comparison;

/// <summary>A model's answer to one photo, as a farmer would see it.</summary>
public sealed record PairedAnswer(string Status, string Label, double Confidence, bool Right);

/// <summary>A photo the two models answered differently.</summary>
public sealed record Disagreement(string Source, string File, string Truth, PairedAnswer A, PairedAnswer B,
    [property: System.Text.Json.Serialization.JsonIgnore] string FullPath)
{
    public string? Thumbnail { get; init; }
}

/// <summary>One data folder (or all of them) side by side.</summary>
public sealed record PairedGroup(string Name, int Photos, double AccuracyA, double AccuracyB, double LeavesRejectedA, double LeavesRejectedB, McNemar Test);

/// <summary>
/// Two models on the same photos: each one's full evaluation (accuracy, macro-F1, per-class recall, severity,
/// calibration, rejected and uncertain rates, per folder), and the paired view: on each leaf both models scored, is
/// each one's answer right (not rejected, and the main stress is the true one); the exact McNemar test on those pairs,
/// overall and per folder; and the photos where their answers differ.
/// </summary>
public sealed record ModelComparison
{
    public required string ModelA { get; init; }
    public required string ModelB { get; init; }
    public required string Data { get; init; }
    public required string Split { get; init; }
    public required EvaluationReport A { get; init; }
    public required EvaluationReport B { get; init; }
    public required PairedGroup Paired { get; init; }
    public required IReadOnlyList<PairedGroup> PairedBySource { get; init; }
    public required int DisagreementCount { get; init; }
    public required IReadOnlyList<Disagreement> Disagreements { get; init; }

    public const int DisagreementsShown = 60;

    public string ToJson() => JsonSerializer.Serialize(this, ModelManifest.Json);

    public static ModelComparison Build(CropModel a, IReadOnlyList<ScoredImage> scoredA, CropModel b, IReadOnlyList<ScoredImage> scoredB,
        string data, string split, IReadOnlyList<Features.UnreadableImage> skippedA, IReadOnlyList<Features.UnreadableImage> skippedB)
    {
        string nameA = Name(a), nameB = Name(b);
        var reportA = EvaluationReport.Build(a.Manifest, nameA, data, split, scoredA, skippedA);
        var reportB = EvaluationReport.Build(b.Manifest, nameB, data, split, scoredB, skippedB);
        var labelsA = a.Manifest.Task(a.Manifest.PrimaryOutput).Labels;
        var labelsB = b.Manifest.Task(b.Manifest.PrimaryOutput).Labels;

        // Pairs: the same photo scored by both (an unreadable photo is unreadable for both), leaves of a class both know.
        var byKey = scoredB.ToDictionary(s => (s.Source, s.Image.RelativePath));
        var pairs = scoredA.Where(s => !s.Image.Negative && labelsA.Contains(s.Image.Class) && labelsB.Contains(s.Image.Class) && byKey.ContainsKey((s.Source, s.Image.RelativePath)))
            .Select(s => (s.Source, s.Image.RelativePath, s.Image.Class, s.FullPath, A: Answer(a, s), B: Answer(b, byKey[(s.Source, s.Image.RelativePath)])))
            .OrderBy(p => p.Source, StringComparer.Ordinal).ThenBy(p => p.RelativePath, StringComparer.Ordinal).ToList();

        PairedGroup Group(string name, IReadOnlyCollection<(string Source, string RelativePath, string Class, string FullPath, PairedAnswer A, PairedAnswer B)> set)
        {
            int n = Math.Max(1, set.Count);
            return new PairedGroup(name, set.Count, set.Count(p => p.A.Right) / (double)n, set.Count(p => p.B.Right) / (double)n,
                set.Count(p => p.A.Status == "rejected") / (double)n, set.Count(p => p.B.Status == "rejected") / (double)n,
                McNemar.Test(set.Count(p => p.A.Right && !p.B.Right), set.Count(p => !p.A.Right && p.B.Right)));
        }

        var disagreements = pairs.Where(p => p.A.Status != p.B.Status || p.A.Label != p.B.Label)
            .Select(p => new Disagreement(p.Source, p.RelativePath, p.Class, p.A, p.B, p.FullPath)).ToList();
        return new ModelComparison
        {
            ModelA = nameA, ModelB = nameB, Data = data, Split = split, A = reportA, B = reportB,
            Paired = Group("all leaves", pairs),
            PairedBySource = [.. pairs.GroupBy(p => p.Source).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => Group(g.Key, [.. g]))],
            DisagreementCount = disagreements.Count,
            // Those where exactly one is right first: they are what the test counts.
            Disagreements = [.. disagreements.OrderBy(d => d.A.Right == d.B.Right).ThenBy(d => d.Source, StringComparer.Ordinal).ThenBy(d => d.File, StringComparer.Ordinal).Take(DisagreementsShown)],
        };
    }

    public static string Name(CropModel m) => $"{m.Manifest.Crop}/{m.Manifest.Version}";

    private static PairedAnswer Answer(CropModel model, ScoredImage s)
    {
        var primary = model.Manifest.Task(model.Manifest.PrimaryOutput);
        var p = s.Output.Probabilities[primary.Output];
        int top = ClassificationMetrics.ArgMax(p);
        var status = Verdict.Decide(s.Output, model.Manifest, s.Framing).ToString().ToLowerInvariant();
        return new PairedAnswer(status, primary.Labels[top], Math.Round(p[top], 4), status != "rejected" && primary.Labels[top] == s.Image.Class);
    }
}
