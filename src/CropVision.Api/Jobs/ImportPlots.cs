using System.IO.Compression;
using System.Text;
using CropVision.FieldStore.Plots;

namespace CropVision.Api.Jobs;

/// <summary>
/// Which plot each photo of a zip belongs to: a line of the optional <c>plots.csv</c> at the zip's root
/// (file name; plot code), else the photo's folder (<c>Lo-A/x.jpg</c>: plot <c>Lo-A</c>), else the code typed in the
/// upload form. One folder holding every photo (a zip of a folder, <c>Anh/x.jpg</c>) is only a wrapper when a code was
/// typed: the officer's code then wins, since it is what they meant for the whole zip. The sidecar may have a header, <c>;</c> or <c>,</c> between fields, quotes, a BOM and Vietnamese text.
/// </summary>
public static class ImportPlots
{
    public const string SidecarName = "plots.csv";
    /// <summary>A sidecar bigger than this is not read (a plot list of 5,000 photos is far smaller).</summary>
    public const int MaxSidecarBytes = 1 << 20;

    public static bool IsSidecar(ZipArchiveEntry e) => string.Equals(e.FullName, SidecarName, StringComparison.OrdinalIgnoreCase);

    /// <summary>Entries that are photos to import (what progress counts): files, not noise, not the sidecar.</summary>
    public static int CountPhotos(ZipArchive zip) => zip.Entries.Count(e => !ImportArchive.IsNoise(e) && !IsSidecar(e));

    /// <summary>Plot code per entry name (entries with no plot are absent).</summary>
    public static Dictionary<string, string> Assign(ZipArchive zip, string? typed)
    {
        var sidecar = ReadSidecar(zip);
        var byName = new Dictionary<string, string>(StringComparer.Ordinal);
        string? fallback = Normalize(typed);
        var photos = zip.Entries.Where(e => !ImportArchive.IsNoise(e) && !IsSidecar(e)).ToList();
        bool folderIsWrapper = fallback is not null && photos.Select(e => Folder(Name(e.FullName.Replace('\\', '/'))!)).Distinct().Count() == 1;
        foreach (var e in photos)
        {
            var name = Name(e.FullName.Replace('\\', '/'))!;
            var code = sidecar.GetValueOrDefault(name) ?? sidecar.GetValueOrDefault(Path.GetFileName(name))
                ?? (folderIsWrapper ? null : Normalize(Folder(name))) ?? fallback;
            if (code is not null) byName[e.FullName] = code;
        }
        return byName;
    }

    private static string? Folder(string name)
    {
        var parts = name.Split('/');
        return parts.Length >= 2 ? parts[^2] : null;
    }

    /// <summary>Sidecar lines as file name (normalised, case-folded) to plot code; a header or a line naming no photo matches nothing.</summary>
    private static Dictionary<string, string> ReadSidecar(ZipArchive zip)
    {
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var entry = zip.Entries.FirstOrDefault(IsSidecar);
        if (entry is null || entry.Length > MaxSidecarBytes) return map;
        string text;
        using (var reader = new StreamReader(entry.Open(), new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true)) text = reader.ReadToEnd();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim().TrimStart('\uFEFF');
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var fields = line.Split(line.Contains(';') ? ';' : ',').Select(f => f.Trim().Trim('"').Trim()).ToArray();
            if (fields.Length < 2 || Name(fields[0]) is not { } file || SafeCode(fields[1]) is not { } code) continue;
            map.TryAdd(file.Replace('\\', '/'), code);
        }
        return map;
    }

    private static string? SafeCode(string s)
    {
        try { return PlotStore.NormalizeCode(s); }
        catch (CropVision.FieldStore.FieldStoreValidationException) { return null; } // too long: that line is ignored
    }

    private static string? Normalize(string? s) => SafeCode(s ?? "");

    private static string? Name(string s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim().Normalize(NormalizationForm.FormC);
}
