namespace CropVision.FieldStore.Model;

public enum ImportJobState { Queued, Running, Completed, Failed }

/// <summary>
/// A bulk import of a zip of photos into a survey. Entries are processed in order and <see cref="NextEntry"/> is
/// committed with each entry's observation, so a restarted service resumes where it stopped.
/// </summary>
public sealed class ImportJob
{
    public Guid Id { get; set; }
    public Guid SurveyId { get; set; }
    public required string Officer { get; set; }
    /// <summary>The uploaded zip, relative to the data folder.</summary>
    public required string ArchivePath { get; set; }
    public string? ArchiveName { get; set; }
    public ImportJobState State { get; set; }
    public int TotalEntries { get; set; }
    /// <summary>Index of the next zip entry to process (entries before it are done).</summary>
    public int NextEntry { get; set; }
    public int Added { get; set; }
    public int Duplicates { get; set; }
    public int FailedEntries { get; set; }
    /// <summary>Photos to import: file entries less folders, macOS noise and the plots.csv sidecar (progress counts these).</summary>
    public int TotalPhotos { get; set; }
    /// <summary>The plot code typed in the upload form: for photos no folder or plots.csv gives a plot.</summary>
    public string? DefaultPlot { get; set; }
    /// <summary>Plot codes the import created and used, newline-separated (set when the job starts).</summary>
    public string? PlotsCreated { get; set; }
    public string? PlotsUsed { get; set; }
    public string? Error { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    /// <summary>The process working on the job and until when its claim holds (another process takes over after).</summary>
    public string? LeaseOwner { get; set; }
    public DateTimeOffset? LeaseUntil { get; set; }

    public List<ImportJobProblem> Problems { get; set; } = [];
}

/// <summary>A zip entry that was not imported, and why.</summary>
public sealed class ImportJobProblem
{
    public long Id { get; set; }
    public Guid JobId { get; set; }
    public int EntryIndex { get; set; }
    public required string EntryName { get; set; }
    public required string Reason { get; set; }
}
