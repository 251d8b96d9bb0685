using CropVision.Core.Inference;
using CropVision.Core.Preprocessing;
using CropVision.Learning.Data;
using CropVision.Learning.Features;
using CropVision.Learning.Heads;

namespace CropVision.Learning.Evaluation;

/// <summary>
/// Runs a model over labelled folders through the composed graph the service runs, one photo at a time, through the
/// model's own preprocessing spec. Shared by evaluate, compare and promote.
/// </summary>
public static class ModelScoring
{
    /// <summary>The split option's value: null for all.</summary>
    public static Split? ParseSplit(string name) => name.ToLowerInvariant() switch
    {
        "all" => null,
        "train" => Split.Train,
        "val" => Split.Val,
        "test" => Split.Test,
        _ => throw new DatasetException($"--split '{name}' is not all, train, val or test."),
    };

    /// <summary>Leaf folders and negatives folders, loaded as given.</summary>
    public static List<LabelledDataset> Load(IEnumerable<DirectoryInfo> data, IEnumerable<DirectoryInfo>? negatives) =>
        [.. data.Select(d => LabelledDataset.Load(d.FullName)), .. (negatives ?? []).Select(d => LabelledDataset.LoadNegatives(d.FullName))];

    /// <summary>The photos of <paramref name="only"/> (all when null) of every source, scored; unreadable ones listed apart.</summary>
    public static (List<ScoredImage> Scored, List<UnreadableImage> Skipped) Score(CropModel model, IReadOnlyList<LabelledDataset> sources, Split? only,
        ITrainingProgress progress, CancellationToken ct, string? label = null)
    {
        var scored = new List<ScoredImage>();
        var skipped = new List<UnreadableImage>();
        foreach (var dataset in sources)
        {
            var name = Path.GetFileName(dataset.Root);
            var images = dataset.Images.Where(i => only is null || i.Split == only).ToList();
            if (images.Count == 0) throw new DatasetException($"No image in '{dataset.Root}' is in split '{only?.ToString().ToLowerInvariant() ?? "all"}'.");
            progress.Stage($"Scoring {images.Count} images of {name}{(label is null ? "" : $" with {label}")}", images.Count);
            var (outputs, unreadable) = ImagePipeline.Run<Tuple<ModelOutput, Framing>>(dataset.Root, [.. images.Select(i => i.RelativePath)], model.Spec,
                (_, _) => null, (_, tensor, framing) => Tuple.Create(model.Run(tensor, 1)[0], framing), progress.Advance, ct);
            for (int i = 0; i < images.Count; i++)
                if (outputs[i] is { } o)
                    scored.Add(new ScoredImage(images[i], o.Item1, name, o.Item2, images[i].FullPath(dataset.Root)));
            skipped.AddRange(unreadable.Select(u => u with { RelativePath = $"{name}/{u.RelativePath}" }));
        }
        return (scored, skipped);
    }
}
