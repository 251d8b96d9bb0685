using CropVision.FieldStore.Model;

namespace CropVision.FieldStore.Observations;

/// <summary>The model's answer for a photo at upload (or why there is none).</summary>
public sealed record ModelAnswer(int? Version, string? Label, double? Confidence, string? Severity, string Status, string? Error = null)
{
    public static ModelAnswer Failed(string reason) => new(null, null, null, null, "failed", reason);
}

/// <summary>
/// What the farmer's phone answered by itself (offline): the model version it ran, its label, confidence, severity,
/// status and probabilities per class (a JSON object).
/// </summary>
public sealed record DeviceAnswer(int Version, string Label, double Confidence, string? Severity, string Status, string? Probabilities);

/// <summary>What a client says about a photo; the store fills in the rest from the photo's EXIF and the clock.</summary>
public sealed record ObservationInput
{
    public required string Crop { get; init; }
    public ObservationSource Source { get; init; } = ObservationSource.Survey;
    public Guid? SurveyId { get; init; }
    public string? OriginalName { get; init; }
    /// <summary>When the client says the photo was taken (used when the photo's EXIF has no DateTimeOriginal).</summary>
    public DateTimeOffset? ClientTakenAt { get; init; }
    /// <summary>The client's geolocation or typed coordinates (used when the EXIF has no GPS).</summary>
    public double? ClientLatitude { get; init; }
    public double? ClientLongitude { get; init; }
    /// <summary>Read EXIF GPS from the photo (off for farmer feedback: farmers stay anonymous).</summary>
    public bool UsePhotoPosition { get; init; } = true;
    public string? PlotCode { get; init; }
    /// <summary>The plot record (<see cref="Plots.PlotStore.EnsureAsync"/>) whose code is <see cref="PlotCode"/>.</summary>
    public Guid? PlotId { get; init; }
    public string? Commune { get; init; }
    public string? Officer { get; init; }
    /// <summary>The client's Idempotency-Key (survey observations only): the same key again answers the first observation.</summary>
    public string? IdempotencyKey { get; init; }
    public const int MaxIdempotencyKeyLength = 100;
    public ModelAnswer? Model { get; init; }
    public string? Notes { get; init; }
    public FarmerVerdict? FarmerVerdict { get; init; }
    public string? FarmerLabel { get; init; }
    /// <summary>The phone's own answer (farmer feedback only), with <see cref="ClientId"/>.</summary>
    public DeviceAnswer? Device { get; init; }
    /// <summary>The client's id for the upload: a second upload with the same id adds nothing (see <see cref="AddedObservation.Duplicate"/>).</summary>
    public Guid? ClientId { get; init; }
}

/// <summary>
/// An observation as stored; <see cref="Duplicate"/> when the survey already had this photo, or the store already had
/// this <see cref="ObservationInput.ClientId"/> (nothing was added: this is the first one).
/// </summary>
public sealed record AddedObservation(Observation Observation, bool Duplicate)
{
    /// <summary>The upload's idempotency key was already used in the survey, for this same photo: nothing was added.</summary>
    public bool Replay { get; init; }
}

/// <summary>An idempotency key the survey already used for a different photo.</summary>
public sealed class IdempotencyKeyReusedException(string key)
    : Exception($"The idempotency key '{key}' was already used in this survey for a different photo.");
