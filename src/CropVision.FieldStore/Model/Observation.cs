namespace CropVision.FieldStore.Model;

/// <summary>Where an observation came from.</summary>
public enum ObservationSource { Survey, FarmerFeedback }

/// <summary>Which clock gave <see cref="Observation.TakenAt"/>.</summary>
public enum TakenAtSource { Exif, Client, Upload }

/// <summary>Which source gave the position.</summary>
public enum PositionSource { None, Exif, Client, Officer }

/// <summary>A farmer's answer to "was this right?".</summary>
public enum FarmerVerdict { Right, Wrong }

/// <summary>
/// One photographed leaf: the photo (by SHA-256), when and where it was taken, the model's answer at upload and the
/// officer's (or farmer's) verdict. Farmer feedback is an observation with no survey.
/// </summary>
public sealed class Observation
{
    public Guid Id { get; set; }
    public ObservationSource Source { get; set; }
    public Guid? SurveyId { get; set; }
    public Survey? Survey { get; set; }

    /// <summary>Null for farmer feedback kept without its photo (the day's feedback photo quota was spent).</summary>
    public string? PhotoSha256 { get; set; }
    public StoredPhoto? Photo { get; set; }
    /// <summary>File name the client gave (or the zip entry name), for the officer's reference only.</summary>
    public string? OriginalName { get; set; }

    public required string Crop { get; set; }
    public DateTimeOffset TakenAt { get; set; }
    public TakenAtSource TakenAtSource { get; set; }
    public double? Latitude { get; set; }
    public double? Longitude { get; set; }
    public PositionSource PositionSource { get; set; }
    /// <summary>The plot's code (kept equal to <see cref="Plot"/>'s code when linked; free text on older rows).</summary>
    public string? PlotCode { get; set; }
    public Guid? PlotId { get; set; }
    public Plot? Plot { get; set; }
    public string? Commune { get; set; }
    /// <summary>User name of the officer who uploaded it (null for farmer feedback: farmers stay anonymous).</summary>
    public string? Officer { get; set; }
    /// <summary>The client's key for this upload (Idempotency-Key), unique per survey: a resend answers this observation.</summary>
    public string? IdempotencyKey { get; set; }

    // The model's answer at upload.
    public int? ModelVersion { get; set; }
    public string? ModelLabel { get; set; }
    public double? ModelConfidence { get; set; }
    public string? ModelSeverity { get; set; }
    /// <summary>ok, uncertain, rejected; or "failed" when the model could not answer (the reason is in <see cref="ModelError"/>).</summary>
    public string? ModelStatus { get; set; }
    public string? ModelError { get; set; }

    // The officer's review ("not reviewed" while ReviewedAt is null).
    public string? ConfirmedLabel { get; set; }
    public string? ConfirmedSeverity { get; set; }
    public string? ReviewedBy { get; set; }
    public DateTimeOffset? ReviewedAt { get; set; }
    public string? Notes { get; set; }

    // The farmer's verdict (farmer feedback only).
    public FarmerVerdict? FarmerVerdict { get; set; }
    /// <summary>What the farmer says it is (one of the crop's classes), or null for "don't know".</summary>
    public string? FarmerLabel { get; set; }

    // The phone's own answer, when the farmer's phone diagnosed the photo offline (the Model* columns then hold the
    // service's answer to the same photo, made when it arrived).
    /// <summary>The phone's id for this answer: a retry of the same upload finds it and stores nothing twice.</summary>
    public Guid? ClientId { get; set; }
    /// <summary>The model version the phone ran (null when the phone did not answer).</summary>
    public int? DeviceModelVersion { get; set; }
    public string? DeviceLabel { get; set; }
    public double? DeviceConfidence { get; set; }
    public string? DeviceSeverity { get; set; }
    /// <summary>ok, uncertain or rejected, as the phone decided; null for photos the phone did not answer.</summary>
    public string? DeviceStatus { get; set; }
    /// <summary>The phone's probability per class, a JSON object ({"rust": 0.81, ...}).</summary>
    public string? DeviceProbabilities { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public bool IsReviewed => ReviewedAt is not null;

    /// <summary>The farmer's phone answered this photo itself (offline), see <see cref="DeviceStatus"/>.</summary>
    public bool AnsweredOnDevice => DeviceStatus is not null;
}
