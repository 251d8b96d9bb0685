using CropVision.FieldStore.Model;

namespace CropVision.Api.Surveys;

public sealed record NewSurvey(string? Name, string? Crop, string? District, string? Commune, DateOnly? StartsOn, DateOnly? EndsOn, string? Team, string? Notes);
public sealed record SurveyChange(string? Name, string? District, string? Commune, DateOnly? StartsOn, DateOnly? EndsOn, string? Notes);

public sealed record SurveyView(
    Guid Id, string Name, string Crop, string? District, string? Commune, DateOnly? StartsOn, DateOnly? EndsOn, string Team,
    string CreatedBy, string? Notes, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? ClosedAt, bool Closed,
    int Observations, int Reviewed)
{
    public static SurveyView From(Survey s, int observations, int reviewed) => new(s.Id, s.Name, s.Crop, s.District, s.Commune, s.StartsOn, s.EndsOn,
        s.Team, s.CreatedBy, s.Notes, s.CreatedAt, s.UpdatedAt, s.ClosedAt, s.IsClosed, observations, reviewed);
}

public sealed record Paged<T>(IReadOnlyList<T> Items, int Page, int PageSize, int Total);

public sealed record ModelAnswerView(int? Version, string? Label, double? Confidence, string? Severity, string? Status, string? Error);
public sealed record ReviewView(string? Label, string? Severity, string? By, DateTimeOffset? At);

public sealed record ObservationView(
    Guid Id, Guid? SurveyId, string Crop, string? PhotoSha256, string? OriginalName, DateTimeOffset TakenAt, string TakenAtSource,
    double? Latitude, double? Longitude, string PositionSource, string? PlotCode, string? Commune, string? Officer,
    ModelAnswerView Model, bool Reviewed, ReviewView? Review, string? Notes, DateTimeOffset CreatedAt,
    /// <summary>The label that counts: the officer's when reviewed, else the model's.</summary>
    string? Label,
    string? Severity,
    string PhotoUrl, string ThumbnailUrl,
    Guid? PlotId)
{
    public static ObservationView From(Observation o)
    {
        var basePath = $"/v1/surveys/{o.SurveyId}/observations/{o.Id}";
        return new(o.Id, o.SurveyId, o.Crop, o.PhotoSha256, o.OriginalName, o.TakenAt, o.TakenAtSource.ToString().ToLowerInvariant(),
            o.Latitude, o.Longitude, o.PositionSource.ToString().ToLowerInvariant(), o.PlotCode, o.Commune, o.Officer,
            new ModelAnswerView(o.ModelVersion, o.ModelLabel, o.ModelConfidence, o.ModelSeverity, o.ModelStatus, o.ModelError),
            o.IsReviewed, o.IsReviewed ? new ReviewView(o.ConfirmedLabel, o.ConfirmedSeverity, o.ReviewedBy, o.ReviewedAt) : null,
            o.Notes, o.CreatedAt, o.IsReviewed ? o.ConfirmedLabel : o.ModelLabel, o.IsReviewed ? o.ConfirmedSeverity : o.ModelSeverity,
            basePath + "/photo", basePath + "/thumbnail", o.PlotId);
    }
}

/// <summary>One photo of a multi-photo upload: its observation (new or the existing duplicate) or its own problem.</summary>
public sealed record UploadItem(int Index, string? FileName, ObservationView? Observation, bool Duplicate, Microsoft.AspNetCore.Mvc.ProblemDetails? Error);
public sealed record UploadResponse(int Added, int Duplicates, int Failed, IReadOnlyList<UploadItem> Items);

/// <summary>
/// PATCH body: confirm a label and/or severity (marks the observation reviewed; severity alone corrects it), edit notes,
/// move it to a plot (plotCode: found or created in the survey's team; plotId: one of the team's plots; "" for none),
/// correct its position (latitude and longitude: the officer's), or clear the review; comment goes into the review trail.
/// </summary>
public sealed record ObservationReview(string? ConfirmedLabel, string? ConfirmedSeverity, string? Notes, string? PlotCode, bool? ClearReview,
    string? Comment = null, double? Latitude = null, double? Longitude = null, Guid? PlotId = null);

/// <summary>
/// Filters of an observation list (query string, bound with [AsParameters]): ?label (the officer's if reviewed, else the
/// model's), ?status, ?reviewed, ?plot, ?from and ?to (taken-at), ?bbox=minLon,minLat,maxLon,maxLat.
/// </summary>
public sealed record ObservationFilter(string? Label, string? Status, bool? Reviewed, string? Plot, DateTimeOffset? From, DateTimeOffset? To, string? Bbox);
