using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CsvHelper;

namespace CropVision.Learning.Data;

/// <summary>
/// A folder of labelled leaf photos: one sub-folder per class (the leaf's main stress, or healthy), and optionally a
/// <c>labels.csv</c> with the columns file, class, split, severity and any number of 0/1 stress-flag columns.
/// Images that labels.csv does not list still belong to the dataset (class from their folder, split from the seeded split).
/// </summary>
public sealed class LabelledDataset
{
    public static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png", ".webp"];
    public const string LabelsFile = "labels.csv";
    /// <summary>
    /// Columns that are not stress flags. "leaf" (or "group") names the photo a close-up was cut from, as in bracol-symptom;
    /// the rest are the provenance columns <c>dataset export</c> writes.
    /// </summary>
    private static readonly string[] KnownColumns = ["file", "class", "split", "severity", "leaf", "group",
        "label_source", "source", "survey", "officer", "reviewed_by", "taken_at", "latitude", "longitude", "plot", "farmer_label", "sha256"];
    /// <summary>The class given to photos of a negatives folder (not leaves of this crop).</summary>
    public const string NotLeafClass = "not-leaf";

    public string Root { get; }
    public IReadOnlyList<string> Classes { get; }
    public IReadOnlyList<string> FlagNames { get; }
    public IReadOnlyList<LabelledImage> Images { get; }
    public bool HasLabelsFile { get; }
    public bool HasSeverity => Images.Any(i => i.Severity is not null);

    private LabelledDataset(string root, IReadOnlyList<string> classes, IReadOnlyList<string> flags, IReadOnlyList<LabelledImage> images, bool hasLabels)
        => (Root, Classes, FlagNames, Images, HasLabelsFile) = (root, classes, flags, images, hasLabels);

    public IEnumerable<LabelledImage> In(Split split) => Images.Where(i => i.Split == split);

    /// <summary>Reads the folder. <paramref name="valFraction"/> and <paramref name="seed"/> make the split for images without one.</summary>
    public static LabelledDataset Load(string root, double valFraction = 0.2, int seed = 42)
    {
        root = Path.GetFullPath(root);
        if (!Directory.Exists(root)) throw new DatasetException($"The data folder '{root}' does not exist.");
        var classDirs = Directory.GetDirectories(root).Where(d => !Path.GetFileName(d).StartsWith('.')).OrderBy(d => d, StringComparer.Ordinal).ToList();
        if (classDirs.Count < 2) throw new DatasetException($"'{root}' needs one sub-folder per class (at least two); found {classDirs.Count}.");

        var files = new Dictionary<string, string>(StringComparer.Ordinal); // relative path -> class
        foreach (var dir in classDirs)
        {
            var cls = Path.GetFileName(dir);
            var images = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
                .Where(f => ImageExtensions.Contains(Path.GetExtension(f).ToLowerInvariant())).ToList();
            if (images.Count == 0) throw new DatasetException($"The class folder '{cls}' has no images (.jpg, .jpeg, .png, .webp). Remove it or add photos.");
            foreach (var f in images) files[Path.GetRelativePath(root, f).Replace('\\', '/')] = cls;
        }
        var classes = classDirs.Select(Path.GetFileName).ToList()!;

        var labelsPath = Path.Combine(root, LabelsFile);
        var rows = File.Exists(labelsPath) ? ReadLabels(labelsPath, classes!) : new LabelsTable([], new Dictionary<string, Row>());
        var fallbackSplit = SeededSplit(files, valFraction, seed);

        var list = new List<LabelledImage>(files.Count);
        foreach (var (rel, cls) in files.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            if (rows.ByFile.TryGetValue(rel, out var row) || rows.ByFile.TryGetValue(Path.GetFileName(rel) + "|" + cls, out row))
                list.Add(new LabelledImage(rel, cls, row.Split ?? fallbackSplit[rel], row.Flags, row.Severity));
            else
                list.Add(new LabelledImage(rel, cls, fallbackSplit[rel], null, null));
        }
        return new LabelledDataset(root, classes!, rows.Flags, list, File.Exists(labelsPath));
    }

    /// <summary>
    /// A folder of photos that are not leaves of this crop (any layout, no labels): every image under it, split by the
    /// same seeded hash as unlabelled photos (stable as photos are added).
    /// </summary>
    public static LabelledDataset LoadNegatives(string root, double valFraction = 0.2, int seed = 42)
    {
        root = Path.GetFullPath(root);
        if (!Directory.Exists(root)) throw new DatasetException($"The negatives folder '{root}' does not exist.");
        var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => ImageExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .ToDictionary(f => Path.GetRelativePath(root, f).Replace('\\', '/'), _ => NotLeafClass, StringComparer.Ordinal);
        if (files.Count < 2) throw new DatasetException($"The negatives folder '{root}' needs at least two photos (.jpg, .jpeg, .png, .webp); found {files.Count}.");
        var split = SeededSplit(files, valFraction, seed);
        var images = files.Keys.Order(StringComparer.Ordinal).Select(rel => new LabelledImage(rel, NotLeafClass, split[rel], null, null, Negative: true)).ToList();
        return new LabelledDataset(root, [NotLeafClass], [], images, false);
    }

    public bool IsNegatives => Images.Count > 0 && Images[0].Negative;

    private sealed record Row(Split? Split, IReadOnlyDictionary<string, bool>? Flags, int? Severity);
    private sealed record LabelsTable(IReadOnlyList<string> Flags, IReadOnlyDictionary<string, Row> ByFile);

    private static LabelsTable ReadLabels(string path, IReadOnlyList<string> classes)
    {
        var lines = ReadRecords(path);
        if (lines.Count == 0) throw new DatasetException($"{path} is empty; it needs a header row.");
        var header = lines[0].Select(h => h.Trim().ToLowerInvariant()).ToArray();
        int Col(string name) => Array.IndexOf(header, name);
        int file = Col("file"), cls = Col("class"), split = Col("split"), severity = Col("severity");
        if (file < 0) throw new DatasetException($"{path}: the header has no 'file' column.");
        var flagCols = header.Select((h, i) => (h, i)).Where(c => !KnownColumns.Contains(c.h)).ToList();

        var byFile = new Dictionary<string, Row>(StringComparer.Ordinal);
        for (int n = 1; n < lines.Count; n++)
        {
            var cells = lines[n].Select(c => c.Trim()).ToArray();
            string Where() => $"{path} line {n + 1}";
            if (cells.Length != header.Length) throw new DatasetException($"{Where()}: {cells.Length} cells, the header has {header.Length}.");
            string? c = cls >= 0 ? cells[cls] : null;
            if (c is not null && !classes.Contains(c))
                throw new DatasetException($"{Where()}: class '{c}' has no folder. Classes are the sub-folders: {string.Join(", ", classes)}.");
            Split? s = split < 0 || cells[split] == "" ? null : cells[split].ToLowerInvariant() switch
            {
                "train" => Split.Train,
                "val" or "valid" or "validation" => Split.Val,
                "test" => Split.Test,
                var other => throw new DatasetException($"{Where()}: split '{other}' is not train, val or test."),
            };
            int? sev = null;
            if (severity >= 0 && cells[severity] != "")
            {
                if (!int.TryParse(cells[severity], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) || v < 0)
                    throw new DatasetException($"{Where()}: severity '{cells[severity]}' is not a whole number >= 0.");
                sev = v;
            }
            Dictionary<string, bool>? flags = null;
            if (flagCols.Count > 0)
            {
                flags = [];
                foreach (var (h, i) in flagCols)
                    flags[h] = cells[i] switch
                    {
                        "1" => true,
                        "0" => false,
                        var other => throw new DatasetException($"{Where()}: column '{h}' must be 0 or 1, not '{other}'."),
                    };
            }
            // A file is named either by its path under the root or, as in BRACOL, by its name within its class folder.
            var key = cells[file].Contains('/') || c is null ? cells[file].Replace('\\', '/') : cells[file] + "|" + c;
            byFile[key] = new Row(s, flags, sev);
        }
        return new LabelsTable(flagCols.Select(c => c.h).ToList(), byFile);
    }

    /// <summary>
    /// Every record of a CSV file (RFC 4180, comma-separated) as its cells, the header first; lines that are empty or
    /// only whitespace are passed over (and not counted in the line numbers of errors).
    /// </summary>
    private static List<string[]> ReadRecords(string path)
    {
        var options = new CsvReaderOptions { Separator = ',', HasHeader = false, TrimWhitespace = true };
        using var reader = CsvReader.Create(File.OpenRead(path), options);
        var records = new List<string[]>();
        while (reader.Read())
        {
            var cells = new string[reader.FieldCount];
            for (int i = 0; i < cells.Length; i++) cells[i] = reader.GetString(i) ?? "";
            if (cells.All(c => c.Trim().Length == 0) && cells.Length == 1) continue;
            records.Add(cells);
        }
        return records;
    }

    /// <summary>Stratified split by a seeded hash of each path: stable when photos are added, so retraining keeps old val leaves in val.</summary>
    private static Dictionary<string, Split> SeededSplit(Dictionary<string, string> files, double valFraction, int seed)
    {
        var result = new Dictionary<string, Split>(StringComparer.Ordinal);
        foreach (var group in files.GroupBy(f => f.Value))
        {
            var ordered = group.OrderBy(f => StableHash(f.Key, seed)).ToList();
            int val = (int)Math.Round(ordered.Count * valFraction);
            if (ordered.Count >= 2) val = Math.Clamp(val, 1, ordered.Count - 1);
            for (int i = 0; i < ordered.Count; i++) result[ordered[i].Key] = i < val ? Split.Val : Split.Train;
        }
        return result;
    }

    private static ulong StableHash(string s, int seed) =>
        BitConverter.ToUInt64(SHA256.HashData(Encoding.UTF8.GetBytes($"{seed}:{s}")), 0);

    /// <summary>SHA-256 over every image's path, label and bytes hash: names the exact data a model was trained on.</summary>
    public string Fingerprint(IReadOnlyDictionary<string, string> imageHashes)
    {
        var sb = new StringBuilder();
        foreach (var i in Images)
            sb.Append(i.RelativePath).Append('|').Append(i.Class).Append('|').Append(i.Split).Append('|')
              .Append(i.Severity).Append('|').Append(i.Flags is null ? "" : string.Join(",", i.Flags.Select(f => f.Value ? 1 : 0)))
              .Append('|').Append(imageHashes.GetValueOrDefault(i.RelativePath)).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }
}
