using System.Globalization;

namespace CropVision.Core.Models;

/// <summary>The folder layout <c>models/&lt;crop&gt;/&lt;version&gt;/</c>: version folders are whole numbers; the newest serves unless one is pinned.</summary>
public static class ModelRepository
{
    public static IReadOnlyList<int> Versions(string cropFolder) =>
        !Directory.Exists(cropFolder) ? [] :
        [.. Directory.GetDirectories(cropFolder)
            .Select(Path.GetFileName)
            .Select(n => int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : -1)
            .Where(v => v > 0 && File.Exists(Path.Combine(cropFolder, v.ToString(CultureInfo.InvariantCulture), ModelManifest.FileName)))
            .Order()];

    /// <summary>Accepts a version folder or a crop folder (then the newest version).</summary>
    public static string ResolveVersionFolder(string path)
    {
        var full = Path.GetFullPath(path);
        if (File.Exists(Path.Combine(full, ModelManifest.FileName))) return full;
        if (!Directory.Exists(full)) throw new DirectoryNotFoundException($"No model at '{path}': the folder does not exist.");
        var versions = Versions(full);
        if (versions.Count == 0) throw new InvalidDataException($"'{path}' holds no model version (a sub-folder like 1/ with a {ModelManifest.FileName}).");
        return Path.Combine(full, versions[^1].ToString(CultureInfo.InvariantCulture));
    }
}
