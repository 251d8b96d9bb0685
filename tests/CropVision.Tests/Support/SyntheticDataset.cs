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

    /// <summary>
    /// Close-ups like bracol-symptom: near-square crops of leaf tissue with the class's spots, labels.csv with
    /// file, class, leaf, split and no severity or flags.
    /// </summary>
    public static string WriteCloseUps(string root, int perClass = 6)
    {
        Directory.CreateDirectory(root);
        var csv = new StringBuilder("file,class,leaf,split\n");
        int seed = 1000;
        foreach (var (cls, spot, spots) in Classes)
        {
            Directory.CreateDirectory(Path.Combine(root, cls));
            for (int i = 0; i < perClass; i++)
            {
                var name = $"c{i + 1}.jpg";
                File.WriteAllBytes(Path.Combine(root, cls, name), TestImages.CloseUp(++seed, spot, spots / 3, 180 + 10 * (i % 3), 170));
                csv.Append($"{name},{cls},{seed},{(i < perClass * 2 / 3 ? "train" : "val")}\n");
            }
        }
        File.WriteAllText(Path.Combine(root, "labels.csv"), csv.ToString());
        return root;
    }

    /// <summary>Photos that are not leaves (coloured rings on sky blue), flat in one folder like not-leaf.</summary>
    public static string WriteNegatives(string root, int count = 15)
    {
        Directory.CreateDirectory(root);
        for (int i = 0; i < count; i++)
        {
            using var bmp = TestImages.Paint(200, 200, (x, y) =>
            {
                double r = Math.Sqrt((x - 100) * (x - 100) + (y - 100) * (y - 100));
                return r < 70 && r > 30 ? new SKColor((byte)(200 + i * 3), (byte)(40 + 10 * (i % 5)), (byte)(120 + i * 5)) : new SKColor(90, 150, 230);
            });
            File.WriteAllBytes(Path.Combine(root, $"flower-{i:D2}.jpg"), TestImages.Encode(bmp, SKEncodedImageFormat.Jpeg, 90));
        }
        return root;
    }
}
