namespace CropVision.Api.Jobs;

/// <summary>"Imports" section: zip imports and their safety limits.</summary>
public sealed class ImportOptions
{
    public const string Section = "Imports";
    /// <summary>Largest zip accepted (compressed bytes).</summary>
    public long MaxArchiveBytes { get; set; } = 2L * 1024 * 1024 * 1024;
    /// <summary>Most entries in one zip.</summary>
    public int MaxEntries { get; set; } = 5000;
    /// <summary>Largest photo inside a zip (uncompressed); bigger entries are listed as bad, not read.</summary>
    public long MaxEntryBytes { get; set; } = 20 * 1024 * 1024;
    /// <summary>Largest total of uncompressed entries; a zip that declares more is refused before anything is read (zip bombs).</summary>
    public long MaxTotalBytes { get; set; } = 4L * 1024 * 1024 * 1024;
    /// <summary>How long a process's claim on a running job lasts without progress; after it another process (or the restarted one) takes over.</summary>
    public int LeaseSeconds { get; set; } = 30;
    /// <summary>How often an idle worker looks for queued jobs (a new upload wakes it at once).</summary>
    public int PollSeconds { get; set; } = 5;
}
