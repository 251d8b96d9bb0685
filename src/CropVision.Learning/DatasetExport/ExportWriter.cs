using System.Globalization;
using System.Text;
using CropVision.Learning.Data;

namespace CropVision.Learning.DatasetExport;

/// <summary>
/// Writes an export plan as the folder-per-class layout <c>train</c> reads: <c>&lt;class&gt;/&lt;sha256&gt;.&lt;ext&gt;</c>
/// and <c>labels.csv</c>. Nothing in the output depends on the clock or on the order rows came from the database, so the
/// same store gives the same bytes. The folder is built beside the target and swapped in at the end: a failed run
/// leaves the previous export as it was.
/// </summary>
public static class ExportWriter
{
    public static readonly string[] Columns =
        ["file", "class", "split", "severity", "label_source", "source", "survey", "officer", "reviewed_by", "taken_at", "latitude", "longitude", "plot", "farmer_label", "sha256"];

    public static string Header => string.Join(",", Columns);

    /// <summary>Writes the rows; <paramref name="photoPath"/> finds a photo's file in the store. Returns the rows whose file was missing (left out).</summary>
    public static IReadOnlyList<ExportRow> Write(IReadOnlyList<ExportRow> rows, string outFolder, Func<ExportRow, string> photoPath, Action? advance = null)
    {
        outFolder = Path.GetFullPath(outFolder.TrimEnd(Path.DirectorySeparatorChar));
        if (Directory.Exists(outFolder) && Directory.EnumerateFileSystemEntries(outFolder).Any() && !IsExport(outFolder))
            throw new DatasetException($"'{outFolder}' exists and is not an earlier export (no labels.csv with the export's header): choose an empty or new folder.");
        var building = $"{outFolder}.partial-{Guid.NewGuid():N}";
        var missing = new List<ExportRow>();
        try
        {
            Directory.CreateDirectory(building);
            var written = new List<ExportRow>();
            foreach (var row in rows)
            {
                var source = photoPath(row);
                if (!File.Exists(source)) { missing.Add(row); advance?.Invoke(); continue; }
                var target = Path.Combine(building, row.RelativePath);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(source, target);
                written.Add(row);
                advance?.Invoke();
            }
            File.WriteAllText(Path.Combine(building, LabelledDataset.LabelsFile), Csv(written), new UTF8Encoding(false));
            if (Directory.Exists(outFolder)) Directory.Delete(outFolder, recursive: true);
            Directory.Move(building, outFolder);
        }
        finally
        {
            if (Directory.Exists(building)) Directory.Delete(building, recursive: true);
        }
        return missing;
    }

    /// <summary>labels.csv: one row per photo, "\n" line ends, invariant culture, quoted only where a value needs it.</summary>
    public static string Csv(IEnumerable<ExportRow> rows)
    {
        var sb = new StringBuilder(Header).Append('\n');
        foreach (var r in rows)
        {
            string?[] cells =
            [
                r.RelativePath, r.Class, r.Split.ToString().ToLowerInvariant(), r.Severity?.ToString(CultureInfo.InvariantCulture), r.LabelSource,
                r.Source, r.Survey, r.Officer, r.ReviewedBy, r.TakenAt.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                r.Latitude?.ToString("R", CultureInfo.InvariantCulture), r.Longitude?.ToString("R", CultureInfo.InvariantCulture), r.Plot, r.FarmerLabel, r.Sha256,
            ];
            sb.AppendJoin(',', cells.Select(Quote)).Append('\n');
        }
        return sb.ToString();
    }

    private static string Quote(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "";
        // Line breaks would split a row: the officer's free text loses them, nothing else does.
        value = value.Replace("\r", " ").Replace("\n", " ");
        return value.IndexOfAny([',', '"']) >= 0 ? $"\"{value.Replace("\"", "\"\"")}\"" : value;
    }

    private static bool IsExport(string folder)
    {
        var labels = Path.Combine(folder, LabelledDataset.LabelsFile);
        if (!File.Exists(labels)) return false;
        using var reader = new StreamReader(labels);
        return reader.ReadLine() == Header;
    }
}
