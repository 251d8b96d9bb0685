using CropVision.Api.Surveys;
using CropVision.FieldStore.Model;
using CropVision.FieldStore.Observations;

namespace CropVision.Api.Review;

/// <summary>Why a review was refused: <see cref="Unprocessable"/> for a label or grade the crop does not have, else a bad request.</summary>
public sealed record ReviewRefusal(string Title, string Detail, bool Unprocessable);

/// <summary>
/// An officer's verdict on an observation, the same from the survey page and from the review queue: a confirmed label
/// (one of the crop's classes) and/or severity mark it reviewed (severity alone keeps the label), clearReview undoes that, notes are kept.
/// </summary>
public sealed class ReviewRules(CropClasses classes, TimeProvider clock)
{
    /// <summary>Applies <paramref name="body"/> to <paramref name="o"/>; null when done, else why it was refused (nothing changed then).</summary>
    public ReviewRefusal? Apply(Observation o, ObservationReview body, string reviewer)
    {
        if (body.Notes?.Length > ObservationStore.MaxTextLength || body.PlotCode?.Length > 100 || body.Comment?.Length > ReviewTrail.MaxComment)
            return new("Text too long", "Notes: 4000 characters at most; plot code: 100; comment: 1000.", Unprocessable: false);
        if (body.ClearReview == true)
        {
            (o.ConfirmedLabel, o.ConfirmedSeverity, o.ReviewedBy, o.ReviewedAt) = (null, null, null, null);
        }
        else if (body.ConfirmedLabel is not null || body.ConfirmedSeverity is not null)
        {
            var label = body.ConfirmedLabel ?? o.ConfirmedLabel ?? o.ModelLabel;
            var labels = classes.Labels(o.Crop);
            if (label is null || !labels.Contains(label))
                return new("Unknown label", $"'{label}' is not a {o.Crop} class: use {string.Join(", ", labels)}.", Unprocessable: true);
            var grades = classes.Grades(o.Crop);
            if (body.ConfirmedSeverity is { } grade && !grades.Contains(grade))
            {
                return new("Unknown severity", grades.Count == 0
                    ? $"{o.Crop} has no severity scale."
                    : $"'{grade}' is not a severity grade: use {string.Join(", ", grades)}.", Unprocessable: true);
            }
            o.ConfirmedLabel = label;
            o.ConfirmedSeverity = body.ConfirmedSeverity ?? o.ConfirmedSeverity ?? (body.ConfirmedLabel == o.ModelLabel ? o.ModelSeverity : null);
            o.ReviewedBy = reviewer;
            o.ReviewedAt = clock.GetUtcNow();
        }
        if (body.Notes is not null) o.Notes = body.Notes;
        return null; // plot and position: ObservationEdits, which needs the store

    }
}
