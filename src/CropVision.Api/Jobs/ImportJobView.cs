using CropVision.FieldStore.Model;

namespace CropVision.Api.Jobs;

public sealed record ImportProblemView(int Entry, string Name, string Reason);

public sealed record ImportJobView(
    Guid Id, Guid SurveyId, string Kind, string State, string? ArchiveName, int TotalEntries, int ProcessedEntries, double Progress,
    int Added, int Duplicates, int Failed, IReadOnlyList<ImportProblemView> Problems, string? Error,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? CompletedAt)
{
    public static ImportJobView From(ImportJob j) => new(j.Id, j.SurveyId, "import", j.State.ToString().ToLowerInvariant(), j.ArchiveName,
        j.TotalEntries, j.NextEntry, j.TotalEntries == 0 ? 0 : Math.Round((double)j.NextEntry / j.TotalEntries, 4),
        j.Added, j.Duplicates, j.FailedEntries, [.. j.Problems.OrderBy(p => p.EntryIndex).Select(p => new ImportProblemView(p.EntryIndex, p.EntryName, p.Reason))],
        j.Error, j.CreatedAt, j.UpdatedAt, j.CompletedAt);
}
