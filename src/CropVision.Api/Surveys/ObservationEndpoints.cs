using System.Globalization;
using CropVision.Api.Accounts;
using CropVision.Api.Http;
using CropVision.Api.Review;
using CropVision.Api.Uploads;
using CropVision.Core.Preprocessing;
using CropVision.FieldStore;
using CropVision.FieldStore.Infrastructure;
using CropVision.FieldStore.Model;
using CropVision.FieldStore.Observations;
using CropVision.FieldStore.Photos;
using CropVision.FieldStore.Plots;
using CropVision.Serving;
using CropVision.Serving.Batching;
using CropVision.Serving.Catalogue;
using CropVision.Serving.Registry;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using static CropVision.Api.Http.Problems;

namespace CropVision.Api.Surveys;

/// <summary>/v1/surveys/{id}/observations: add photos (multipart), list with filters, read, review, delete; photo and thumbnail files.</summary>
public static class ObservationEndpoints
{
    /// <summary>Photos per upload request (a bigger batch goes as a zip import).</summary>
    public const int MaxPhotosPerRequest = 16;
    /// <summary>How often an upload waits for a busy model before answering 503 for that photo.</summary>
    private const int BusyWaits = 8;

    public static RouteGroupBuilder MapObservations(this RouteGroupBuilder surveys)
    {
        var group = surveys.MapGroup("/{id:guid}/observations")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        group.MapPost("/", AddAsync).WithName("AddObservations")
            .Accepts<IFormFile>("multipart/form-data")
            .WithSummary("Add one or many photos: parts named 'image'; optional fields plot, latitude, longitude, takenAt, commune, notes " +
                         "for every photo, or plot[i], latitude[i], ... for the i-th photo (from 0)")
            .WithDescription("With one photo, an Idempotency-Key header (1-100 characters, the client's own id for this observation) makes a " +
                             "resend safe: the same key and photo again answer 200 with the observation the first request made; the same key " +
                             "with another photo answers 422 (code idempotency-key-reused).");
        group.MapGet("/", ListAsync).WithName("ListObservations")
            .WithSummary("Observations, paged (?page, ?pageSize), filtered by ?label (the officer's if reviewed, else the model's), ?status, ?reviewed, ?plot, ?from, ?to (taken-at), ?bbox=minLon,minLat,maxLon,maxLat");
        group.MapGet("/{observationId:guid}", GetAsync).WithName("GetObservation");
        group.MapPatch("/{observationId:guid}", ReviewAsync).WithName("ReviewObservation")
            .WithSummary("Review: confirmedLabel (one of the crop's classes) and/or confirmedSeverity mark it reviewed; notes; plotCode or plotId; latitude and longitude (the officer's); comment (in the trail); clearReview: true clears the review");
        group.MapDelete("/{observationId:guid}", DeleteAsync).WithName("DeleteObservation");
        group.MapReviewTrail((http, oid) => http.RequestServices.GetRequiredService<FieldStoreContext>().Observations
            .FirstOrDefaultAsync(o => o.Id == oid && o.SurveyId == http.Survey().Id, http.RequestAborted), "/{observationId:guid}/reviews", "SurveyObservation");
        group.MapGet("/{observationId:guid}/photo", PhotoAsync).WithName("ObservationPhoto");
        group.MapGet("/{observationId:guid}/thumbnail", ThumbnailAsync).WithName("ObservationThumbnail");
        return surveys;
    }

    /// <summary>The header a client sends with one photo so that a resend never makes a second observation.</summary>
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    private static async Task<Results<Created<ObservationView>, Ok<ObservationView>, Ok<UploadResponse>, ProblemHttpResult>> AddAsync(Guid id, HttpContext http,
        CurrentOfficer officer, ObservationIntake intake, IOptions<LimitsOptions> limits, PlotStore plots)
    {
        var ct = http.RequestAborted;
        var survey = http.Survey();
        var key = http.Request.Headers[IdempotencyKeyHeader].ToString() is { Length: > 0 } k ? k.Trim() : null;
        if (survey.IsClosed) return SurveyAccess.Closed(survey);

        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        List<UploadedImage> images;
        try { images = await ImageUploads.ReadAsync(http.Request, limits.Value, MaxPhotosPerRequest, ct, fields); }
        catch (UploadException e) { return Create(e.Status, e.Title, e.Message); }
        if (key is not null && images.Count != 1)
            return Create(StatusCodes.Status400BadRequest, "Idempotency key needs one photo", $"Send one photo per request with {IdempotencyKeyHeader}.");

        // Plot codes name the team's plot records; unknown codes create plots.
        IReadOnlyDictionary<string, Plot> plotsByCode;
        try
        {
            var codes = Enumerable.Range(0, images.Count).Select(i => PlotStore.NormalizeCode(PlotField(fields, i)));
            plotsByCode = (await plots.EnsureAsync(survey.Team, codes, officer.UserName, ct)).ByCode;
        }
        catch (FieldStoreValidationException e) { return Create(StatusCodes.Status422UnprocessableEntity, "Bad field", e.Message); }

        var items = new List<UploadItem>();
        AddedObservation? added0 = null;
        for (int i = 0; i < images.Count; i++)
        {
            var image = images[i];
            ProblemHttpResult? failure = null;
            AddedObservation? added = null;
            try
            {
                var input = InputFor(survey, officer, image, fields, i) with { IdempotencyKey = key };
                if (input.PlotCode is { } code && plotsByCode.TryGetValue(PlotStore.NormalizeCode(code)!, out var plot))
                    input = input with { PlotCode = plot.Code, PlotId = plot.Id, Commune = plot.Commune ?? input.Commune };
                added = await intake.AddAsync(input, image.Bytes, BusyWaits, ct);
            }
            catch (FormatException e) { failure = Create(StatusCodes.Status400BadRequest, "Bad field", e.Message); }
            catch (FieldStoreValidationException e) { failure = Create(StatusCodes.Status422UnprocessableEntity, "Bad field", e.Message); }
            catch (ImageDecodeException e) { failure = FromImage(e); }
            catch (IdempotencyKeyReusedException e) { failure = Create(StatusCodes.Status422UnprocessableEntity, "Idempotency key reused", e.Message); }
            catch (Exception e) when (e is QueueFullException or BatcherRetiredException) { failure = Busy(); }
            if (i == 0) added0 = added;
            SurveyMetrics.Count("upload", added?.Duplicate);
            items.Add(new UploadItem(i, image.FileName, added is null ? null : ObservationView.From(added.Observation), added?.Duplicate ?? false, failure?.ProblemDetails));
        }
        if (images.Count == 1)
        {
            if (items[0].Error is { } error) return TypedResults.Problem(error);
            if (added0?.Replay == true) return TypedResults.Ok(items[0].Observation!); // a resend: the first answer's body, as 200
            return items[0].Duplicate
                ? TypedResults.Ok(Summarize(items)) // the survey already had this photo: nothing new was created
                : TypedResults.Created($"/v1/surveys/{id}/observations/{items[0].Observation!.Id}", items[0].Observation);
        }
        return TypedResults.Ok(Summarize(items));
    }

    private static UploadResponse Summarize(List<UploadItem> items) =>
        new(items.Count(i => i.Observation is not null && !i.Duplicate), items.Count(i => i.Duplicate), items.Count(i => i.Error is not null), items);

    /// <summary>The i-th photo's fields: "name[i]" wins over "name".</summary>
    private static ObservationInput InputFor(Survey survey, CurrentOfficer officer, UploadedImage image, Dictionary<string, string> fields, int index)
    {
        string? Field(string name) =>
            fields.TryGetValue($"{name}[{index}]", out var own) ? NullIfEmpty(own) : fields.TryGetValue(name, out var all) ? NullIfEmpty(all) : null;
        return new ObservationInput
        {
            Crop = survey.Crop,
            SurveyId = survey.Id,
            OriginalName = image.FileName,
            ClientTakenAt = Field("takenAt") is { } t ? ParseTime(t) : null,
            ClientLatitude = Field("latitude") is { } lat ? ParseNumber(lat, "latitude") : null,
            ClientLongitude = Field("longitude") is { } lon ? ParseNumber(lon, "longitude") : null,
            PlotCode = Field("plot"),
            Commune = Field("commune") ?? survey.Commune,
            Officer = officer.UserName,
            Notes = Field("notes"),
        };
    }

    private static string? PlotField(Dictionary<string, string> fields, int index) =>
        fields.TryGetValue($"plot[{index}]", out var own) ? NullIfEmpty(own) : fields.TryGetValue("plot", out var all) ? NullIfEmpty(all) : null;

    private static string? NullIfEmpty(string s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private static double ParseNumber(string text, string name) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v
            : throw new FormatException($"{name} '{text}' is not a number (use a dot for decimals).");

    private static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t
            : throw new FormatException($"takenAt '{text}' is not a date and time (ISO 8601, e.g. 2026-11-20T08:30:00+07:00).");

    private static async Task<Results<Ok<Paged<ObservationView>>, ProblemHttpResult>> ListAsync(Guid id, [AsParameters] ObservationFilter filter,
        [AsParameters] PageQuery paging, FieldStoreContext db, CancellationToken ct)
    {
        if (paging.Resolve() is not var (p, size, skip)) return PageQuery.Invalid();
        var (label, status, reviewed, plot, from, to, bbox) = filter;
        var query = db.Observations.AsNoTracking().Where(o => o.SurveyId == id);
        if (!string.IsNullOrWhiteSpace(label))
            query = query.Where(o => (o.ReviewedAt != null ? o.ConfirmedLabel : o.ModelLabel) == label);
        if (!string.IsNullOrWhiteSpace(status)) query = query.Where(o => o.ModelStatus == status);
        if (reviewed is { } r) query = r ? query.Where(o => o.ReviewedAt != null) : query.Where(o => o.ReviewedAt == null);
        if (!string.IsNullOrWhiteSpace(plot)) query = query.Where(o => o.PlotCode == plot);
        if (from is { } f) { var fu = f.ToUniversalTime(); query = query.Where(o => o.TakenAt >= fu); }
        if (to is { } t) { var tu = t.ToUniversalTime(); query = query.Where(o => o.TakenAt <= tu); }
        if (!string.IsNullOrWhiteSpace(bbox))
        {
            if (ParseBox(bbox) is not var (minLon, minLat, maxLon, maxLat))
                return Create(StatusCodes.Status400BadRequest, "Bad bounding box", "bbox is minLon,minLat,maxLon,maxLat in degrees (as GeoJSON), min below max.");
            query = query.Where(o => o.Latitude >= minLat && o.Latitude <= maxLat && o.Longitude >= minLon && o.Longitude <= maxLon);
        }
        var total = await query.CountAsync(ct);
        var rows = await query.OrderBy(o => o.TakenAt).ThenBy(o => o.Id).Skip(skip).Take(size).ToListAsync(ct);
        return TypedResults.Ok(new Paged<ObservationView>([.. rows.Select(ObservationView.From)], p, size, total));
    }

    private static (double, double, double, double)? ParseBox(string text)
    {
        var parts = text.Split(',');
        if (parts.Length != 4) return null;
        var v = new double[4];
        for (int i = 0; i < 4; i++)
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out v[i])) return null;
        if (!Positions.IsValid(v[1], v[0]) || !Positions.IsValid(v[3], v[2]) || v[0] > v[2] || v[1] > v[3]) return null;
        return (v[0], v[1], v[2], v[3]);
    }

    /// <summary>One observation of the route's survey (the survey filter has checked the team), with its photo.</summary>
    private static Task<Observation?> FindAsync(Guid id, Guid observationId, FieldStoreContext db, CancellationToken ct, bool tracked = false)
    {
        var query = tracked ? db.Observations : db.Observations.AsNoTracking();
        return query.Include(o => o.Photo).FirstOrDefaultAsync(o => o.Id == observationId && o.SurveyId == id, ct);
    }

    private static ProblemHttpResult NoObservation(Guid id, Guid observationId) =>
        Create(StatusCodes.Status404NotFound, "No such observation", $"Survey {id} has no observation {observationId}.");

    private static async Task<Results<Ok<ObservationView>, ProblemHttpResult>> GetAsync(Guid id, Guid observationId, FieldStoreContext db, CancellationToken ct) =>
        await FindAsync(id, observationId, db, ct) is { } observation
            ? TypedResults.Ok(ObservationView.From(observation))
            : NoObservation(id, observationId);

    private static async Task<Results<Ok<ObservationView>, ProblemHttpResult>> ReviewAsync(Guid id, Guid observationId, ObservationReview? body,
        FieldStoreContext db, CurrentOfficer officer, ObservationEdits edits, CancellationToken ct)
    {
        if (body is null) return Create(StatusCodes.Status400BadRequest, "Nothing to change", "Send JSON with confirmedLabel, confirmedSeverity, notes, plotCode, latitude and longitude, comment or clearReview.");
        if (await FindAsync(id, observationId, db, ct, tracked: true) is not { } o) return NoObservation(id, observationId);
        if (await edits.ApplyAsync(o, body, officer.UserName, ct) is { } refused) return refused;
        return TypedResults.Ok(ObservationView.From(o));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(Guid id, Guid observationId, FieldStoreContext db, ObservationStore store,
        CancellationToken ct)
    {
        if (await FindAsync(id, observationId, db, ct) is null) return NoObservation(id, observationId);
        await store.DeleteAsync(observationId, ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<PhysicalFileHttpResult, ProblemHttpResult>> PhotoAsync(Guid id, Guid observationId, FieldStoreContext db,
        PhotoFiles files, HttpContext http, CancellationToken ct) =>
        await FindAsync(id, observationId, db, ct) switch
        {
            null => NoObservation(id, observationId),
            { Photo: { } photo } => PhotoFileResults.Photo(files, photo, http),
            var photoless => PhotoFileResults.NoPhoto(photoless),
        };

    private static async Task<Results<PhysicalFileHttpResult, ProblemHttpResult>> ThumbnailAsync(Guid id, Guid observationId, FieldStoreContext db,
        PhotoFiles files, HttpContext http, CancellationToken ct) =>
        await FindAsync(id, observationId, db, ct) is { } observation
            ? PhotoFileResults.Thumbnail(files, observation, http)
            : NoObservation(id, observationId);
}
