using CropVision.Core.Preprocessing;
using CropVision.Learning.Data;
using CropVision.Learning.Features;

namespace CropVision.Learning.Heads;

/// <summary>
/// Rows for head training: one per (image, flip), the flip's tiles averaged, exactly as the composed graph averages them.
/// Flips of the training images are extra examples (augmentation); at prediction time the flips' outputs are averaged.
/// </summary>
public sealed class TrainingExamples
{
    public required float[][] Rows { get; init; }
    /// <summary>Index into the image list for each row.</summary>
    public required int[] ImageOf { get; init; }
    public required IReadOnlyList<LabelledImage> Images { get; init; }
    /// <summary>Rows per image when every image is an original (val); augmented copies give fewer (training only).</summary>
    public required int Flips { get; init; }

    public static TrainingExamples Build(IReadOnlyList<(LabelledImage Image, ImageFeatures Features)> items, PreprocessingSpec spec, int featureSize, int[] featureColumns)
    {
        int flips = spec.Flips.Count, tiles = spec.TileCount;
        var rows = new List<float[]>(items.Count * flips);
        var imageOf = new List<int>(items.Count * flips);
        for (int i = 0; i < items.Count; i++)
        {
            var v = items[i].Features.Values;
            int groups = v.Length / (tiles * featureSize); // every flip for an original, the first for an augmented copy
            for (int f = 0; f < groups; f++)
            {
                var row = new float[featureColumns.Length];
                for (int t = 0; t < tiles; t++)
                {
                    int view = (f * tiles + t) * featureSize;
                    for (int c = 0; c < featureColumns.Length; c++) row[c] += v[view + featureColumns[c]];
                }
                for (int c = 0; c < row.Length; c++) row[c] /= tiles;
                rows.Add(row);
                imageOf.Add(i);
            }
        }
        return new TrainingExamples { Rows = [.. rows], ImageOf = [.. imageOf], Images = [.. items.Select(x => x.Image)], Flips = flips };
    }
}
