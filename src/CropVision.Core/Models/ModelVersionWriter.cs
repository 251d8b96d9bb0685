using System.Globalization;

namespace CropVision.Core.Models;

/// <summary>
/// The one way a new model version is written into <c>models/&lt;crop&gt;/</c> (by <c>train</c> and <c>optimize</c>):
/// the next version number, a staging folder beside the final one, and one atomic move into
/// <c>models/&lt;crop&gt;/&lt;version&gt;/</c> at <see cref="Commit"/>. A writer disposed without a commit deletes its
/// staging folder, so a failed run leaves nothing behind. Before the new folder appears the serving marker is guarded
/// (<see cref="KeepServingVersion"/>): a new version never starts serving without <c>promote</c>.
/// Single files (an exported model, an int8 calibration) go through <see cref="WriteFileAtomically"/>.
/// </summary>
public sealed class ModelVersionWriter : IDisposable
{
    /// <summary>The crop folder (models/coffee).</summary>
    public string CropFolder { get; }
    /// <summary>The version this writer will create.</summary>
    public int Version { get; }
    /// <summary>Where the files are written until <see cref="Commit"/>.</summary>
    public string StagingFolder { get; }
    /// <summary>models/&lt;crop&gt;/&lt;version&gt; once committed.</summary>
    public string FinalFolder { get; }
    /// <summary>The command writing (train, optimize): recorded in a serving marker the guard writes.</summary>
    public string By { get; }
    private bool committed;

    private ModelVersionWriter(string cropFolder, string by)
    {
        CropFolder = cropFolder;
        By = by;
        Directory.CreateDirectory(cropFolder);
        Version = NextVersion(cropFolder);
        FinalFolder = Path.Combine(cropFolder, Version.ToString(CultureInfo.InvariantCulture));
        StagingFolder = Path.Combine(cropFolder, $".{Version}.partial-{Guid.NewGuid():N}");
        Directory.CreateDirectory(StagingFolder);
    }

    /// <summary>Creates the crop folder if needed, picks the next version and creates its staging folder.</summary>
    public static ModelVersionWriter Begin(string cropFolder, string by) => new(cropFolder, by);

    /// <summary>
    /// Guards the serving marker, then moves the staging folder to <see cref="FinalFolder"/> in one step.
    /// Returns what the guard did (a line for the log), or null where it had nothing to do.
    /// </summary>
    public string? Commit()
    {
        if (committed) throw new InvalidOperationException($"Version {Version} is already committed.");
        var kept = KeepServingVersion(CropFolder, By);
        Directory.Move(StagingFolder, FinalFolder);
        committed = true;
        return kept;
    }

    public void Dispose()
    {
        if (committed) return;
        try
        {
            if (Directory.Exists(StagingFolder)) Directory.Delete(StagingFolder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>One more than the largest numbered folder (1 in an empty folder).</summary>
    private static int NextVersion(string cropFolder) =>
        Directory.GetDirectories(cropFolder).Select(Path.GetFileName).Select(n => int.TryParse(n, out var v) ? v : 0).DefaultIfEmpty(0).Max() + 1;

    /// <summary>
    /// A new version must not serve before it has passed <c>promote</c>'s gate: where no version is marked for service
    /// yet, mark the one serving now (the newest), before the new folder appears. Returns a line for the log, or null.
    /// </summary>
    public static string? KeepServingVersion(string cropFolder, string by)
    {
        if (ServingMarker.Read(cropFolder) is not null || ModelRepository.Versions(cropFolder) is not { Count: > 0 } versions) return null;
        new ServingMarker { Version = versions[^1], By = by, At = DateTimeOffset.UtcNow }.Write(cropFolder);
        return $"marked version {versions[^1]} for service in {Path.Combine(cropFolder, ServingMarker.FileName)}: the new version serves once `cropvision promote` accepts it";
    }

    /// <summary>
    /// Writes a file beside <paramref name="path"/> (through <paramref name="write"/>, given the temporary path), then
    /// renames it into place, so a reader (the service's folder watcher) never sees half of one. The temporary name is
    /// unique, so two writers never share it.
    /// </summary>
    public static void WriteFileAtomically(string path, Action<string> write)
    {
        var temp = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.partial");
        try
        {
            write(temp);
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            try
            {
                File.Delete(temp);
            }
            catch (IOException)
            {
            }
            throw;
        }
    }
}
