using System.Globalization;

namespace CropVision.Core.Models;

/// <summary>
/// The folder layout <c>models/&lt;crop&gt;/&lt;version&gt;/</c>: version folders are whole numbers. The version that serves
/// is the pinned one, else the one <c>serving.json</c> marks, else the newest.
/// </summary>
public static class ModelRepository
{
    public static IReadOnlyList<int> Versions(string cropFolder) =>
        !Directory.Exists(cropFolder) ? [] :
        [.. Directory.GetDirectories(cropFolder)
            .Select(Path.GetFileName)
            .Select(n => int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : -1)
            .Where(v => v > 0 && File.Exists(Path.Combine(cropFolder, v.ToString(CultureInfo.InvariantCulture), ModelManifest.FileName)))
            .Order()];

    /// <summary>The version that should serve: <paramref name="pinned"/>, else the marked one, else the newest; null when the folder has none.</summary>
    public static int? ServingVersion(string cropFolder, int? pinned = null)
    {
        if (pinned is not null) return pinned;
        if (ServingMarker.Read(cropFolder) is { } marker) return marker.Version;
        var versions = Versions(cropFolder);
        return versions.Count > 0 ? versions[^1] : null;
    }

    /// <summary>Accepts a version folder or a crop folder (then the version that serves: marked, else the newest).</summary>
    public static string ResolveVersionFolder(string path)
    {
        var full = Path.GetFullPath(path);
        if (File.Exists(Path.Combine(full, ModelManifest.FileName))) return full;
        if (!Directory.Exists(full)) throw new DirectoryNotFoundException($"No model at '{path}': the folder does not exist.");
        var versions = Versions(full);
        if (versions.Count == 0) throw new InvalidDataException($"'{path}' holds no model version (a sub-folder like 1/ with a {ModelManifest.FileName}).");
        var serving = ServingVersion(full)!.Value;
        if (!versions.Contains(serving)) throw new InvalidDataException($"'{path}' marks version {serving} for service ({ServingMarker.FileName}) but has no such version.");
        return Path.Combine(full, serving.ToString(CultureInfo.InvariantCulture));
    }
}
