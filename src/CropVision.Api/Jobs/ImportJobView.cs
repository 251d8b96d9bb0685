using CropVision.FieldStore.Model;

namespace CropVision.Api.Jobs;

/// <summary>A zip entry not imported: its reason in English and a stable <see cref="Code"/> the pages show in their language.</summary>
public sealed record ImportProblemView(int Entry, string Name, string Reason)
{
    public string Code => CodeOf(Reason);

    /// <summary>
    /// The code of a stored reason, from the fixed openings of the worker's own messages (ImportArchive, ImageDecoder):
    /// rows hold the text only, so this reads it back; anything else is the generic import-entry-refused.
    /// </summary>
    public static string CodeOf(string reason) => reason switch
    {
        _ when reason.StartsWith("Not a JPEG, PNG or WebP", StringComparison.Ordinal) => "image-unsupported",
        _ when reason.StartsWith("Too large", StringComparison.Ordinal) || reason.Contains("pixels; the limit is", StringComparison.Ordinal) => "image-too-large",
        _ when reason.StartsWith("The image is empty", StringComparison.Ordinal) => "image-empty",
        _ when reason.StartsWith("The ", StringComparison.Ordinal) && (reason.Contains("damaged", StringComparison.Ordinal) || reason.Contains("gives no size", StringComparison.Ordinal)) => "image-unreadable",
        _ when reason.StartsWith("Unsafe file name", StringComparison.Ordinal) => "unsafe-file-name",
        _ when reason.StartsWith("Damaged in the zip", StringComparison.Ordinal) => "zip-entry-damaged",
        _ => "import-entry-refused",
    };
}

public sealed record ImportJobView(
    Guid Id, Guid SurveyId, string Kind, string State, string? ArchiveName, int TotalEntries, int ProcessedEntries, double Progress,
    int Added, int Duplicates, int Failed, IReadOnlyList<ImportProblemView> Problems, string? Error,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? CompletedAt,
    /// <summary>Photos in the zip (files less folders, macOS noise and plots.csv) and how many are done: what progress counts.</summary>
    int TotalPhotos, int ProcessedPhotos, string? DefaultPlot, IReadOnlyList<string> PlotsCreated, IReadOnlyList<string> PlotsUsed)
{
    public static ImportJobView From(ImportJob j)
    {
        int done = j.Added + j.Duplicates + j.FailedEntries;
        // Jobs queued before photos were counted (TotalPhotos 0) show progress by entries.
        double progress = j.State == ImportJobState.Completed ? 1
            : j.TotalPhotos > 0 ? Math.Round(Math.Min(1, (double)done / j.TotalPhotos), 4)
            : j.TotalEntries == 0 ? 0 : Math.Round((double)j.NextEntry / j.TotalEntries, 4);
        return new(j.Id, j.SurveyId, "import", j.State.ToString().ToLowerInvariant(), j.ArchiveName,
        j.TotalEntries, j.NextEntry, progress,
        j.Added, j.Duplicates, j.FailedEntries, [.. j.Problems.OrderBy(p => p.EntryIndex).Select(p => new ImportProblemView(p.EntryIndex, p.EntryName, p.Reason))],
        j.Error, j.CreatedAt, j.UpdatedAt, j.CompletedAt,
        j.TotalPhotos, done, j.DefaultPlot, Lines(j.PlotsCreated), Lines(j.PlotsUsed));
    }

    private static string[] Lines(string? s) => string.IsNullOrEmpty(s) ? [] : s.Split('\n');
}
