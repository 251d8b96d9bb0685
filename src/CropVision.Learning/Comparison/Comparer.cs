using CropVision.Core.Inference;
using CropVision.Learning.Data;
using CropVision.Learning.Evaluation;
using CropVision.Learning.Heads;

namespace CropVision.Learning.Comparison;

/// <summary>Scores two models on the same folders and pairs their answers (compare and promote).</summary>
public static class Comparer
{
    public static ModelComparison Run(CropModel a, CropModel b, IReadOnlyList<LabelledDataset> sources, Split? only, ITrainingProgress progress, CancellationToken ct)
    {
        if (!string.Equals(a.Manifest.Crop, b.Manifest.Crop, StringComparison.OrdinalIgnoreCase))
            throw new DatasetException($"{ModelComparison.Name(a)} and {ModelComparison.Name(b)} are models of different crops.");
        var (scoredA, skippedA) = ModelScoring.Score(a, sources, only, progress, ct, ModelComparison.Name(a));
        var (scoredB, skippedB) = ModelScoring.Score(b, sources, only, progress, ct, ModelComparison.Name(b));
        return ModelComparison.Build(a, scoredA, b, scoredB, string.Join("; ", sources.Select(s => s.Root)),
            only?.ToString().ToLowerInvariant() ?? "all", skippedA, skippedB);
    }
}
