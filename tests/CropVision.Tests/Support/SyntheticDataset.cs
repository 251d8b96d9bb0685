using System.Text;
using SkiaSharp;

namespace CropVision.Tests.Support;

/// <summary>A tiny labelled dataset of synthetic leaves, laid out like BRACOL, written to a folder.</summary>
public static class SyntheticDataset
{
    public static readonly (string Class, SKColor Spot, int Spots)[] Classes =
    [
        ("healthy", SKColors.Transparent, 0),
        ("phoma", new SKColor(60, 30, 10), 14),
        ("rust", new SKColor(240, 150, 20), 14),
    ];

    /// <param name="perClass">Images per class; the last third of each class is val.</param>
    public static string Write(string root, int perClass = 9, bool withLabels = true)
    {
        Directory.CreateDirectory(root);
        var csv = new StringBuilder("file,class,rust,phoma,severity,split\n");
        int seed = 0;
        foreach (var (cls, spot, spots) in Classes)
        {
            Directory.CreateDirectory(Path.Combine(root, cls));
            for (int i = 0; i < perClass; i++)
            {
                var name = $"{i + 1}.jpg";
                File.WriteAllBytes(Path.Combine(root, cls, name), TestImages.Leaf(++seed, spot, spots));
                var split = i < perClass * 2 / 3 ? "train" : "val";
                int severity = spots == 0 ? 0 : 1 + i % 2;
                csv.Append($"{name},{cls},{(cls == "rust" ? 1 : 0)},{(cls == "phoma" ? 1 : 0)},{severity},{split}\n");
            }
        }
        if (withLabels) File.WriteAllText(Path.Combine(root, "labels.csv"), csv.ToString());
        return root;
    }
}
