using CropVision.FieldStore.Infrastructure;
using CropVision.FieldStore.Model;
using Microsoft.EntityFrameworkCore;

namespace CropVision.FieldStore.Observations;

/// <summary>An observation's verdict at one moment: reviewed or not, with the confirmed label and severity.</summary>
public sealed record Verdict(bool Reviewed, string? Label, string? Severity)
{
    public static Verdict Of(Observation o) => new(o.IsReviewed, o.ConfirmedLabel, o.ConfirmedSeverity);
}

/// <summary>
/// The review trail: every verdict is an event (<see cref="ObservationStore.SaveReviewAsync"/> appends them); undo is
/// one more event that restores the verdict before the latest event not yet undone, so undoing twice steps back twice
/// and nothing is ever erased.
/// </summary>
public sealed class ReviewTrail(FieldStoreContext db, TimeProvider clock)
{
    public const int MaxComment = 1000;

    public Task<List<ReviewEvent>> ListAsync(Guid observationId, CancellationToken ct) =>
        db.ReviewEvents.AsNoTracking().Where(e => e.ObservationId == observationId).OrderBy(e => e.Id).ToListAsync(ct);

    /// <summary>
    /// Undoes the latest event of <paramref name="o"/> (tracked by this context) not undone yet; null when there is
    /// nothing to undo. The observation's verdict and the undo event commit together.
    /// </summary>
    public async Task<ReviewEvent?> UndoAsync(Observation o, string by, string? comment, CancellationToken ct)
    {
        if (db.Entry(o).State == EntityState.Detached)
            throw new InvalidOperationException("Load the observation with tracking from the request's context before undoing.");
        using var span = FieldStoreTelemetry.StartWrite("undo review");
        var events = await ListAsync(o.Id, ct);
        var undone = events.Where(e => e.UndoesEventId is not null).Select(e => e.UndoesEventId!.Value).ToHashSet();
        var last = events.LastOrDefault(e => e.Kind != ReviewEventKind.Undo && !undone.Contains(e.Id));
        if (last is null) return null;
        var before = Verdict.Of(o);
        if (last.FromReviewed) (o.ConfirmedLabel, o.ConfirmedSeverity, o.ReviewedBy, o.ReviewedAt) = (last.FromLabel, last.FromSeverity, by, clock.GetUtcNow());
        else (o.ConfirmedLabel, o.ConfirmedSeverity, o.ReviewedBy, o.ReviewedAt) = (null, null, null, null);
        var undo = Event(o.Id, ReviewEventKind.Undo, by, clock.GetUtcNow(), before, Verdict.Of(o), comment);
        undo.UndoesEventId = last.Id;
        db.ReviewEvents.Add(undo);
        await db.SaveChangesAsync(ct);
        return undo;
    }

    internal static ReviewEvent Event(Guid observationId, ReviewEventKind kind, string by, DateTimeOffset at, Verdict from, Verdict to, string? comment) => new()
    {
        ObservationId = observationId, Kind = kind, By = by, At = at,
        FromReviewed = from.Reviewed, FromLabel = from.Label, FromSeverity = from.Severity,
        ToReviewed = to.Reviewed, ToLabel = to.Label, ToSeverity = to.Severity,
        Comment = string.IsNullOrWhiteSpace(comment) ? null : comment.Trim() is var c && c.Length > MaxComment ? c[..MaxComment] : comment.Trim(),
    };
}
