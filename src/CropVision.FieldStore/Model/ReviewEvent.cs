namespace CropVision.FieldStore.Model;

/// <summary>What an event did: a verdict (label and/or severity), a review cleared, or an undo of an earlier event.</summary>
public enum ReviewEventKind { Review, Clear, Undo }

/// <summary>
/// One step of an observation's review trail: who, when, from which verdict to which, and why. The trail only grows:
/// undo is a new event that restores the state before the event it undoes.
/// </summary>
public sealed class ReviewEvent
{
    public long Id { get; set; }
    public Guid ObservationId { get; set; }
    public ReviewEventKind Kind { get; set; }
    public required string By { get; set; }
    public DateTimeOffset At { get; set; }
    public bool FromReviewed { get; set; }
    public string? FromLabel { get; set; }
    public string? FromSeverity { get; set; }
    public bool ToReviewed { get; set; }
    public string? ToLabel { get; set; }
    public string? ToSeverity { get; set; }
    public string? Comment { get; set; }
    /// <summary>For an undo: the event it undid.</summary>
    public long? UndoesEventId { get; set; }
}
