using System.Globalization;
using CropVision.Api.Accounts;
using CropVision.Serving.Catalogue;
using CropVision.Serving;
using CropVision.Serving.Registry;
using CropVision.Serving.Batching;
using CropVision.Api.Uploads;
using CropVision.Core.Preprocessing;
using CropVision.FieldStore;
using CropVision.FieldStore.Infrastructure;
using CropVision.FieldStore.Model;
using CropVision.FieldStore.Observations;
using CropVision.FieldStore.Photos;
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
                         "for every photo, or plot[i], latitude[i], ... for the i-th photo (from 0)");
        group.MapGet("/", ListAsync).WithName("ListObservations")
            .WithSummary("Observations, paged (?page, ?pageSize), filtered by ?label (the officer's if reviewed, else the model's), ?status, ?reviewed, ?plot, ?from, ?to (taken-at), ?bbox=minLon,minLat,maxLon,maxLat");
        group.MapGet("/{observationId:guid}", GetAsync).WithName("GetObservation");
        group.MapPatch("/{observationId:guid}", ReviewAsync).WithName("ReviewObservation")
            .WithSummary("Review: confirmedLabel (one of the crop's classes) and confirmedSeverity mark it reviewed; notes, plotCode; clearReview: true undoes the review");
        group.MapDelete("/{observationId:guid}", DeleteAsync).WithName("DeleteObservation");
        group.MapGet("/{observationId:guid}/photo", PhotoAsync).WithName("ObservationPhoto");
        group.MapGet("/{observationId:guid}/thumbnail", ThumbnailAsync).WithName("ObservationThumbnail");
        return surveys;
    }

    private static async Task<Results<Created<ObservationView>, Ok<UploadResponse>, ProblemHttpResult>> AddAsync(Guid id, HttpContext http,
        FieldStoreContext db, CurrentOfficer officer, ObservationIntake intake, IOptions<LimitsOptions> limits)
    {
        var ct = http.RequestAborted;
        var (survey, problem) = await SurveyAccess.FindAsync(db, officer, id, ct);
        if (problem is not null) return problem;
        if (survey!.IsClosed) return SurveyAccess.Closed(survey);

        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        List<UploadedImage> images;
        try { images = await ImageUploads.ReadAsync(http.Request, limits.Value, MaxPhotosPerRequest, ct, fields); }
        catch (UploadException e) { return Create(e.Status, e.Title, e.Message); }

        var items = new List<UploadItem>();
        for (int i = 0; i < images.Count; i++)
        {
            var image = images[i];
            ProblemHttpResult? failure = null;
            AddedObservation? added = null;
            try
            {
                var input = InputFor(survey, officer, image, fields, i);
                added = await intake.AddAsync(input, image.Bytes, BusyWaits, ct);
            }
            catch (FormatException e) { failure = Create(StatusCodes.Status400BadRequest, "Bad field", e.Message); }
            catch (FieldStoreValidationException e) { failure = Create(StatusCodes.Status422UnprocessableEntity, "Bad field", e.Message); }
            catch (ImageDecodeException e) { failure = FromImage(e); }
            catch (Exception e) when (e is QueueFullException or BatcherRetiredException) { failure = Busy(); }
            SurveyMetrics.Count("upload", added?.Duplicate);
            items.Add(new UploadItem(i, image.FileName, added is null ? null : ObservationView.From(added.Observation), added?.Duplicate ?? false, failure?.ProblemDetails));
        }
        if (images.Count == 1)
        {
            if (items[0].Error is { } error) return TypedResults.Problem(error);
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

    private static string? NullIfEmpty(string s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private static double ParseNumber(string text, string name) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v
            : throw new FormatException($"{name} '{text}' is not a number (use a dot for decimals).");

    private static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t
            : throw new FormatException($"takenAt '{text}' is not a date and time (ISO 8601, e.g. 2026-11-20T08:30:00+07:00).");

    private static async Task<Results<Ok<Paged<ObservationView>>, ProblemHttpResult>> ListAsync(Guid id, string? label, string? status, bool? reviewed,
        string? plot, DateTimeOffset? from, DateTimeOffset? to, string? bbox, int? page, int? pageSize,
        FieldStoreContext db, CurrentOfficer officer, CancellationToken ct)
    {
        var (_, problem) = await SurveyAccess.FindAsync(db, officer, id, ct);
        if (problem is not null) return problem;
        if (SurveyEndpoints.Paging(page, pageSize) is not var (p, size)) return SurveyEndpoints.BadPaging();
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
        var rows = await query.OrderBy(o => o.TakenAt).ThenBy(o => o.Id).Skip((p - 1) * size).Take(size).ToListAsync(ct);
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

    private static async Task<(Observation?, ProblemHttpResult?)> FindAsync(Guid id, Guid observationId, FieldStoreContext db, CurrentOfficer officer, CancellationToken ct, bool tracked = false)
    {
        var (survey, problem) = await SurveyAccess.FindAsync(db, officer, id, ct);
        if (problem is not null) return (null, problem);
        var query = tracked ? db.Observations : db.Observations.AsNoTracking();
        var observation = await query.Include(o => o.Photo).FirstOrDefaultAsync(o => o.Id == observationId && o.SurveyId == survey!.Id, ct);
        return observation is null
            ? (null, Create(StatusCodes.Status404NotFound, "No such observation", $"Survey {id} has no observation {observationId}."))
            : (observation, null);
    }

    private static async Task<Results<Ok<ObservationView>, ProblemHttpResult>> GetAsync(Guid id, Guid observationId, FieldStoreContext db, CurrentOfficer officer, CancellationToken ct)
    {
        var (observation, problem) = await FindAsync(id, observationId, db, officer, ct);
        return problem ?? (Results<Ok<ObservationView>, ProblemHttpResult>)TypedResults.Ok(ObservationView.From(observation!));
    }

    private static async Task<Results<Ok<ObservationView>, ProblemHttpResult>> ReviewAsync(Guid id, Guid observationId, ObservationReview? body,
        FieldStoreContext db, CurrentOfficer officer, DiseaseCatalogue catalogue, ModelRegistry registry, TimeProvider clock, CancellationToken ct)
    {
        if (body is null) return Create(StatusCodes.Status400BadRequest, "Nothing to change", "Send JSON with confirmedLabel, confirmedSeverity, notes, plotCode or clearReview.");
        var (observation, problem) = await FindAsync(id, observationId, db, officer, ct, tracked: true);
        if (problem is not null) return problem;
        var o = observation!;
        if (ApplyReview(o, body, officer, catalogue, registry, clock) is { } refused) return refused;
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(ObservationView.From(o));
    }

    /// <summary>Applies a review body to an observation (surveys page and review queue alike); a problem when the body is refused.</summary>
    internal static ProblemHttpResult? ApplyReview(Observation o, ObservationReview body, CurrentOfficer officer, DiseaseCatalogue catalogue, ModelRegistry registry, TimeProvider clock)
    {
        if (body.Notes?.Length > ObservationStore.MaxTextLength || body.PlotCode?.Length > 100)
            return Create(StatusCodes.Status400BadRequest, "Text too long", "Notes: 4000 characters at most; plot code: 100.");
        if (body.ClearReview == true)
        {
            (o.ConfirmedLabel, o.ConfirmedSeverity, o.ReviewedBy, o.ReviewedAt) = (null, null, null, null);
        }
        else if (body.ConfirmedLabel is not null || body.ConfirmedSeverity is not null)
        {
            var label = body.ConfirmedLabel ?? o.ConfirmedLabel ?? o.ModelLabel;
            var labels = Labels(o.Crop, catalogue, registry);
            if (label is null || !labels.Contains(label))
                return Create(StatusCodes.Status422UnprocessableEntity, "Unknown label", $"'{label}' is not a {o.Crop} class: use {string.Join(", ", labels)}.");
            var grades = Grades(o.Crop, catalogue);
            if (body.ConfirmedSeverity is { } grade && !grades.Contains(grade))
                return Create(StatusCodes.Status422UnprocessableEntity, "Unknown severity",
                    grades.Count == 0 ? $"{o.Crop} has no severity scale." : $"'{grade}' is not a severity grade: use {string.Join(", ", grades)}.");
            o.ConfirmedLabel = label;
            o.ConfirmedSeverity = body.ConfirmedSeverity ?? o.ConfirmedSeverity ?? (body.ConfirmedLabel == o.ModelLabel ? o.ModelSeverity : null);
            o.ReviewedBy = officer.UserName;
            o.ReviewedAt = clock.GetUtcNow();
        }
        if (body.Notes is not null) o.Notes = body.Notes;
        if (body.PlotCode is not null) o.PlotCode = string.IsNullOrWhiteSpace(body.PlotCode) ? null : body.PlotCode.Trim();
        return null;
    }

    /// <summary>The crop's classes: the catalogue's, plus any a newer model added.</summary>
    internal static IReadOnlyList<string> Labels(string crop, DiseaseCatalogue catalogue, ModelRegistry registry)
    {
        var labels = catalogue.Crops.TryGetValue(crop, out var entry) ? entry.Labels.Keys.ToList() : [];
        if (registry.Get(crop) is { } served)
            labels.AddRange(served.Manifest.Task(served.Manifest.PrimaryOutput).Labels.Where(l => !labels.Contains(l)));
        return labels;
    }

    internal static IReadOnlyList<string> Grades(string crop, DiseaseCatalogue catalogue) =>
        catalogue.Crops.TryGetValue(crop, out var entry) && entry.Severity is { } s ? [.. s.Keys] : [];

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(Guid id, Guid observationId, FieldStoreContext db, ObservationStore store,
        CurrentOfficer officer, CancellationToken ct)
    {
        var (_, problem) = await FindAsync(id, observationId, db, officer, ct);
        if (problem is not null) return problem;
        await store.DeleteAsync(observationId, ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<PhysicalFileHttpResult, ProblemHttpResult>> PhotoAsync(Guid id, Guid observationId, FieldStoreContext db,
        CurrentOfficer officer, PhotoFiles files, HttpContext http, CancellationToken ct)
    {
        var (observation, problem) = await FindAsync(id, observationId, db, officer, ct);
        if (problem is not null) return problem;
        var photo = observation!.Photo!;
        return FileResult(files.PhotoPath(photo.Sha256, photo.Extension), photo.Extension switch { "png" => "image/png", "webp" => "image/webp", _ => "image/jpeg" }, http);
    }

    private static async Task<Results<PhysicalFileHttpResult, ProblemHttpResult>> ThumbnailAsync(Guid id, Guid observationId, FieldStoreContext db,
        CurrentOfficer officer, PhotoFiles files, HttpContext http, CancellationToken ct)
    {
        var (observation, problem) = await FindAsync(id, observationId, db, officer, ct);
        if (problem is not null) return problem;
        return FileResult(files.ThumbnailPath(observation!.PhotoSha256), "image/jpeg", http);
    }

    internal static Results<PhysicalFileHttpResult, ProblemHttpResult> FileResult(string path, string contentType, HttpContext http)
    {
        if (!File.Exists(path)) return Create(StatusCodes.Status404NotFound, "Photo file missing", "The photo's file is not in the data folder.");
        // Content-addressed: the bytes behind this URL never change. Private: only officers of the team may see it.
        http.Response.Headers.CacheControl = "private, max-age=31536000, immutable";
        return TypedResults.PhysicalFile(path, contentType);
    }
}
