using System.CommandLine;
using CropVision.Learning.Augmentation;
using CropVision.Learning.Data;
using CropVision.Training.Console;
using Spectre.Console;

namespace CropVision.Training.Commands;

/// <summary>
/// <c>dataset reframe</c>: whole-leaf photos as a phone frames them (4:3 and 3:4, padded with the leaf's paper colour
/// or cut tighter), one copy a photo with the variants taken in turn, written with the source's labels so that
/// <c>evaluate</c> can compare them with the originals.
/// </summary>
public static class DatasetReframeCommand
{
    private static readonly (bool Padded, bool Portrait, string Name)[] Variants =
        [(true, false, "padded-4x3"), (false, false, "tight-4x3"), (true, true, "padded-3x4"), (false, true, "tight-3x4")];

    public static Command Create()
    {
        var data = new Option<DirectoryInfo>("--data") { Description = "Labelled folder of whole-leaf photos (class folders and labels.csv)", Required = true };
        var split = new Option<string>("--split") { Description = "Which split to copy: val, test, train or all", DefaultValueFactory = _ => "val" };
        split.AcceptOnlyFromAmong("val", "test", "train", "all");
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder to write (must be empty or absent)", Required = true };
        var command = new Command("reframe", "Copy whole-leaf photos into a phone's 4:3 and 3:4 frames (padded on their paper colour, or cut tighter) with their labels, for evaluate") { data, split, output };
        command.SetAction((result, ct) => Task.FromResult(ConsoleErrors.Guard(() =>
        {
            var root = result.GetValue(data)!.FullName;
            var outFolder = result.GetValue(output)!.FullName;
            if (Directory.Exists(outFolder) && Directory.EnumerateFileSystemEntries(outFolder).Any())
                throw new DatasetException($"{outFolder} is not empty; give an empty or new folder.");
            var labels = Path.Combine(root, "labels.csv");
            if (!File.Exists(labels)) throw new DatasetException($"{root} has no labels.csv (reframe keeps each photo's labels).");
            var wanted = result.GetValue(split)!;
            var set = LabelledDataset.Load(root);
            var images = set.Images.Where(i => wanted == "all" || i.Split.ToString().Equals(wanted, StringComparison.OrdinalIgnoreCase)).ToList();
            if (images.Count == 0) throw new DatasetException($"No photo of {root} is in the {wanted} split.");
            var names = images.Select(i => Path.GetFileName(i.RelativePath)).ToHashSet(StringComparer.Ordinal);
            var lines = File.ReadAllLines(labels);
            int fileColumn = Array.IndexOf(lines[0].Split(','), "file");
            if (fileColumn < 0) throw new DatasetException($"{labels} has no 'file' column.");
            int done = 0;
            var counts = new int[Variants.Length];
            SpectreProgress.Run(p =>
            {
                p.Stage($"Reframing {images.Count} photos", images.Count);
                foreach (var image in images)
                {
                    ct.ThrowIfCancellationRequested();
                    int v = done % Variants.Length;
                    var (padded, portrait, _) = Variants[v];
                    var target = Path.Combine(outFolder, Path.ChangeExtension(image.RelativePath, ".jpg"));
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    File.WriteAllBytes(target, Augmenter.ReframeWhole(File.ReadAllBytes(image.FullPath(root)), padded, portrait));
                    counts[v]++;
                    p.Advance(++done);
                }
                return 0;
            });
            // The source's rows of the copied photos, file names as written (JPEG).
            var kept = lines.Skip(1).Select(l => l.Split(',')).Where(c => c.Length > fileColumn && names.Contains(c[fileColumn]))
                .Select(c => { c[fileColumn] = Path.ChangeExtension(c[fileColumn], ".jpg"); return string.Join(',', c); });
            File.WriteAllLines(Path.Combine(outFolder, "labels.csv"), [lines[0], .. kept]);
            AnsiConsole.MarkupLineInterpolated($"Wrote {done} photos to {outFolder}: {string.Join(", ", Variants.Select((x, i) => $"{counts[i]} {x.Name}"))}.");
            return 0;
        })));
        return command;
    }
}
