using CropVision.Api.Review;
using CropVision.FieldStore;
using CropVision.FieldStore.Infrastructure;
using CropVision.FieldStore.Model;
using CropVision.FieldStore.Observations;
using CropVision.FieldStore.Photos;
using CropVision.FieldStore.Plots;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using static CropVision.Api.Http.Problems;

namespace CropVision.Api.Surveys;

/// <summary>
/// One PATCH of an observation, from the survey page or the review queue: the verdict (<see cref="ReviewRules"/>), the
/// plot (a record of the survey's team, found or created by code) and the position (then the officer's), saved with
/// the review trail's event in one transaction.
/// </summary>
public sealed class ObservationEdits(ReviewRules rules, ObservationStore store, PlotStore plots, FieldStoreContext db)
{
    /// <summary>Applies and saves <paramref name="body"/> on <paramref name="o"/> (tracked); null when done, else the problem (nothing saved).</summary>
    public async Task<ProblemHttpResult?> ApplyAsync(Observation o, ObservationReview body, string by, CancellationToken ct)
    {
        if ((body.Latitude is null) != (body.Longitude is null))
            return Create(StatusCodes.Status400BadRequest, "Half a position", "Give both latitude and longitude.");
        if (body.Latitude is { } lat && body.Longitude is { } lon && !Positions.IsValid(lat, lon))
            return Create(StatusCodes.Status400BadRequest, "Position out of range", $"Latitude is -90..90 and longitude -180..180 (got {lat}, {lon}).");
        if ((body.PlotCode is not null || body.PlotId is not null) && o.SurveyId is null)
            return Create(StatusCodes.Status400BadRequest, "No survey", "Farmer feedback belongs to no survey, so to no plot.");

        // The plot first: creating one saves on this context, before the observation has changed.
        var plotChange = false;
        Plot? plot = null;
        if (body.PlotId is not null || body.PlotCode is not null)
        {
            plotChange = true;
            var team = await db.Surveys.Where(s => s.Id == o.SurveyId).Select(s => s.Team).FirstAsync(ct);
            if (body.PlotId is { } pid)
            {
                plot = await db.Plots.AsNoTracking().FirstOrDefaultAsync(p => p.Id == pid && p.Team == team, ct);
                if (plot is null) return Create(StatusCodes.Status422UnprocessableEntity, "Unknown plot", $"The survey's team has no plot {pid}.");
            }
            else
            {
                string? code;
                try { code = PlotStore.NormalizeCode(body.PlotCode); }
                catch (FieldStoreValidationException e) { return Create(StatusCodes.Status400BadRequest, "Bad plot", e.Message); }
                plot = code is null ? null : (await plots.EnsureAsync(team, [code], by, ct)).ByCode[code];
            }
        }
        if (rules.Apply(o, body, by) is { } refused) return FromReview(refused);
        if (plotChange) PlotStore.Link(o, plot);
        if (body.Latitude is { } newLat && body.Longitude is { } newLon)
            (o.Latitude, o.Longitude, o.PositionSource) = (newLat, newLon, PositionSource.Officer);
        await store.SaveReviewAsync(o, by, body.Comment, ct);
        return null;
    }
}
