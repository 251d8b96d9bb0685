using CropVision.Api.Accounts;
using CropVision.Api.Http;
using CropVision.Api.OnDevice;
using CropVision.Api.Surveys;
using CropVision.FieldStore.Infrastructure;
using CropVision.FieldStore.Model;
using CropVision.FieldStore.Observations;
using CropVision.FieldStore.Photos;
using CropVision.Serving.Batching;
using CropVision.Serving.Catalogue;
using CropVision.Serving.Registry;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using static CropVision.Api.Http.Problems;

namespace CropVision.Api.Review;

/// <summary>
/// One entry of the review queue: the observation, its farmer's verdict, the score and the reasons; <see cref="OnDevice"/>
/// is the phone's own answer when the phone answered offline (the observation's model answer is then the service's).
/// </summary>
public sealed record ReviewItem(ObservationView Observation, string Source, string? FarmerVerdict, string? FarmerLabel, double Score, IReadOnlyList<string> Reasons,
    string PhotoUrl, string ThumbnailUrl, StoredAnswer? OnDevice = null);
public sealed record ReviewQueue(string Crop, int Waiting, IReadOnlyList<ReviewItem> Items);

/// <summary>
/// /v1/review: the photos most worth an officer's verdict first (see <see cref="ReviewRanking"/>), from the officer's
/// team's surveys and from farmers' feedback (which belongs to no team), and the verdict itself.
/// </summary>
public static class ReviewEndpoints
{
    public const int MaxItems = 200;

    public static IEndpointRouteBuilder MapReviewApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/review").WithTags("Review").RequireOfficer()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/", QueueAsync).WithName("ReviewQueue")
            .WithSummary("Unreviewed photos of a crop (?crop=coffee), most worth a verdict first: model uncertain, farmer said wrong, model and farmer disagree, phone and service disagree, rare classes, new places; ?limit (at most 200) from ?offset (0 unless given: the next page skips what the last one showed); waiting counts them all")
            .WithDescription("Each item's 'onDevice' is the phone's own answer when the farmer's phone answered offline (POST /v1/device-answers); the observation's model answer is then the service's to the same photo.");
        group.MapPatch("/{observationId:guid}", ReviewAsync).WithName("ReviewFromQueue")
            .WithSummary("Record the verdict: confirmedLabel and confirmedSeverity (as on the survey page), notes, plotCode; clearReview: true undoes it")
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        group.MapReviewTrail((http, oid) => Reviewable(http.RequestServices.GetRequiredService<FieldStoreContext>(), http.RequestServices.GetRequiredService<CurrentOfficer>())
            .FirstOrDefaultAsync(o => o.Id == oid, http.RequestAborted), "/{observationId:guid}/reviews", "Queue");
        group.MapGet("/{observationId:guid}/photo", PhotoAsync).WithName("ReviewPhoto");
        group.MapGet("/{observationId:guid}/thumbnail", ThumbnailAsync).WithName("ReviewThumbnail");
        return app;
    }

    /// <summary>The observations an officer may review: their team's surveys' and every farmer's feedback.</summary>
    private static IQueryable<Observation> Reviewable(FieldStoreContext db, CurrentOfficer officer) =>
        officer.IsAdmin ? db.Observations
            : db.Observations.Where(o => o.SurveyId == null || db.Surveys.Any(s => s.Id == o.SurveyId && s.Team == officer.Team));

    private static async Task<Results<Ok<ReviewQueue>, ProblemHttpResult>> QueueAsync(string? crop, int? limit, int? offset, FieldStoreContext db, CurrentOfficer officer, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(crop)) return Create(StatusCodes.Status400BadRequest, "Crop required", "Give ?crop=coffee (or rubber, ginseng).");
        if (limit is < 1 or > MaxItems) return Create(StatusCodes.Status400BadRequest, "Bad limit", $"?limit is 1 to {MaxItems}.");
        if (offset is < 0 or > PageQuery.MaxPage) return Create(StatusCodes.Status400BadRequest, "Bad offset", $"?offset is 0 to {PageQuery.MaxPage}.");
        crop = crop.Trim().ToLowerInvariant();
        var mine = Reviewable(db, officer).AsNoTracking().Where(o => o.Crop == crop);
        // Feedback kept without its photo has nothing for an officer to look at.
        var unreviewed = await mine.Where(o => o.ReviewedAt == null && o.ModelStatus != "failed" && o.PhotoSha256 != null).ToListAsync(ct);
        // Rarity and places count what every officer has confirmed for the crop, not only this team's.
        var confirmed = await db.Observations.Where(o => o.Crop == crop && o.ReviewedAt != null && o.ConfirmedLabel != null)
            .GroupBy(o => o.ConfirmedLabel!).Select(g => new { Label = g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.Label, x => x.Count, ct);
        var positions = await db.Observations.Where(o => o.Crop == crop && o.ReviewedAt != null && o.Latitude != null)
            .Select(o => new { o.Latitude, o.Longitude }).ToListAsync(ct);
        var places = positions.Select(p => ReviewRanking.Place(new Observation { PhotoSha256 = "", Crop = crop, Latitude = p.Latitude, Longitude = p.Longitude })!).ToHashSet();
        var ranked = ReviewRanking.Rank(unreviewed, confirmed, places);
        var items = ranked.Skip(offset ?? 0).Take(limit ?? 50).Select(r => new ReviewItem(ObservationView.From(r.Observation),
            r.Observation.Source == ObservationSource.Survey ? "survey" : "farmer-feedback", r.Observation.FarmerVerdict?.ToString().ToLowerInvariant(), r.Observation.FarmerLabel,
            r.Score, r.Reasons, $"/v1/review/{r.Observation.Id}/photo", $"/v1/review/{r.Observation.Id}/thumbnail", StoredAnswer.Device(r.Observation))).ToList();
        return TypedResults.Ok(new ReviewQueue(crop, ranked.Count, items));
    }

    private static Task<Observation?> FindAsync(Guid id, FieldStoreContext db, CurrentOfficer officer, CancellationToken ct, bool tracked = false)
    {
        var query = Reviewable(db, officer);
        if (!tracked) query = query.AsNoTracking();
        return query.Include(o => o.Photo).FirstOrDefaultAsync(o => o.Id == id, ct);
    }

    private static ProblemHttpResult NotFound(Guid id) =>
        Create(StatusCodes.Status404NotFound, "No such observation", $"Observation {id} does not exist or belongs to another team's survey.");

    private static async Task<Results<Ok<ObservationView>, ProblemHttpResult>> ReviewAsync(Guid observationId, ObservationReview? body,
        FieldStoreContext db, CurrentOfficer officer, ObservationEdits edits, CancellationToken ct)
    {
        if (body is null) return Create(StatusCodes.Status400BadRequest, "Nothing to change", "Send JSON with confirmedLabel, confirmedSeverity, notes, plotCode, latitude and longitude, comment or clearReview.");
        if (await FindAsync(observationId, db, officer, ct, tracked: true) is not { } observation) return NotFound(observationId);
        if (await edits.ApplyAsync(observation, body, officer.UserName, ct) is { } refused) return refused;
        return TypedResults.Ok(ObservationView.From(observation));
    }

    private static async Task<Results<PhysicalFileHttpResult, ProblemHttpResult>> PhotoAsync(Guid observationId, FieldStoreContext db, CurrentOfficer officer,
        PhotoFiles files, HttpContext http, CancellationToken ct) =>
        await FindAsync(observationId, db, officer, ct) switch
        {
            null => NotFound(observationId),
            { Photo: { } photo } => PhotoFileResults.Photo(files, photo, http),
            var photoless => PhotoFileResults.NoPhoto(photoless),
        };

    private static async Task<Results<PhysicalFileHttpResult, ProblemHttpResult>> ThumbnailAsync(Guid observationId, FieldStoreContext db, CurrentOfficer officer,
        PhotoFiles files, HttpContext http, CancellationToken ct) =>
        await FindAsync(observationId, db, officer, ct) is { } observation ? PhotoFileResults.Thumbnail(files, observation, http) : NotFound(observationId);
}
