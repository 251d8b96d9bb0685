using CropVision.Api.Accounts;
using CropVision.Api.Http;
using CropVision.FieldStore.Infrastructure;
using CropVision.FieldStore.Model;
using CropVision.FieldStore.Observations;
using CropVision.FieldStore.Surveys;
using CropVision.Serving.Catalogue;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using static CropVision.Api.Http.Problems;

namespace CropVision.Api.Surveys;

/// <summary>/v1/surveys: create, list, read, update, close, delete. Officers reach their own team's surveys only.</summary>
public static class SurveyEndpoints
{
    public static IEndpointRouteBuilder MapSurveysApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/surveys").WithTags("Surveys").RequireOfficer().AddEndpointFilter(SurveyAccess.LoadAsync)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapGet("/", ListAsync).WithName("ListSurveys").WithSummary("Surveys of your team (all for an admin), newest first; ?closed=true|false, ?page, ?pageSize");
        group.MapPost("/", CreateAsync).WithName("CreateSurvey");
        group.MapGet("/{id:guid}", GetAsync).WithName("GetSurvey");
        group.MapPatch("/{id:guid}", UpdateAsync).WithName("UpdateSurvey");
        group.MapPost("/{id:guid}/close", CloseAsync).WithName("CloseSurvey").WithSummary("Close a survey: it takes no more observations (reviews still allowed)");
        group.MapDelete("/{id:guid}", DeleteAsync).WithName("DeleteSurvey").WithSummary("Delete a survey, its observations and the photos nothing else uses");
        group.MapObservations();
        return app;
    }

    private static async Task<Results<Ok<Paged<SurveyView>>, ProblemHttpResult>> ListAsync(bool? closed, [AsParameters] PageQuery paging,
        FieldStoreContext db, CurrentOfficer officer, CancellationToken ct)
    {
        if (paging.Resolve() is not var (p, size, skip)) return PageQuery.Invalid();
        var query = db.Surveys.AsNoTracking().Visible(officer);
        if (closed is { } c) query = c ? query.Where(s => s.ClosedAt != null) : query.Where(s => s.ClosedAt == null);
        var total = await query.CountAsync(ct);
        var surveys = await query.OrderByDescending(s => s.CreatedAt).ThenBy(s => s.Id).Skip(skip).Take(size).ToListAsync(ct);
        var ids = surveys.Select(s => s.Id).ToList();
        var counts = await db.Observations.Where(o => o.SurveyId != null && ids.Contains(o.SurveyId.Value))
            .GroupBy(o => o.SurveyId).Select(g => new { Id = g.Key!.Value, Count = g.Count(), Reviewed = g.Count(o => o.ReviewedAt != null) })
            .ToDictionaryAsync(x => x.Id, ct);
        var items = surveys.Select(s => SurveyView.From(s, counts.GetValueOrDefault(s.Id)?.Count ?? 0, counts.GetValueOrDefault(s.Id)?.Reviewed ?? 0)).ToList();
        return TypedResults.Ok(new Paged<SurveyView>(items, p, size, total));
    }

    private static async Task<Results<Created<SurveyView>, ProblemHttpResult>> CreateAsync(NewSurvey? body, SurveyStore surveys, CurrentOfficer officer,
        DiseaseCatalogue catalogue, CancellationToken ct)
    {
        if (body is null || string.IsNullOrWhiteSpace(body.Name) || string.IsNullOrWhiteSpace(body.Crop))
            return Create(StatusCodes.Status400BadRequest, "Survey incomplete", "Give at least a name and a crop.");
        var crop = body.Crop.Trim().ToLowerInvariant();
        if (!catalogue.Crops.ContainsKey(crop))
            return Create(StatusCodes.Status422UnprocessableEntity, "Unknown crop", $"'{body.Crop}' is not a crop: use {string.Join(", ", catalogue.Crops.Keys)}.");
        var team = string.IsNullOrWhiteSpace(body.Team) ? officer.Team : body.Team.Trim();
        if (!officer.Sees(team))
            return Create(StatusCodes.Status403Forbidden, "Other team", $"You can create surveys for your own team ('{officer.Team}') only.");
        if (Check(body.Name, body.District, body.Commune, body.Notes, body.StartsOn, body.EndsOn) is { } bad) return bad;
        var survey = await surveys.CreateAsync(new Survey
        {
            Name = body.Name.Trim(), Crop = crop, District = body.District?.Trim(), Commune = body.Commune?.Trim(),
            StartsOn = body.StartsOn, EndsOn = body.EndsOn, Team = team, CreatedBy = officer.UserName, Notes = body.Notes,
        }, ct);
        return TypedResults.Created($"/v1/surveys/{survey.Id}", SurveyView.From(survey, 0, 0));
    }

    private static async Task<Ok<SurveyView>> GetAsync(HttpContext http, FieldStoreContext db, CancellationToken ct) =>
        TypedResults.Ok(await ViewAsync(db, http.Survey(), ct));

    private static async Task<Results<Ok<SurveyView>, ProblemHttpResult>> UpdateAsync(SurveyChange? body, HttpContext http, FieldStoreContext db,
        SurveyStore surveys, CancellationToken ct)
    {
        if (body is null) return Create(StatusCodes.Status400BadRequest, "Nothing to change", "Send JSON with name, district, commune, startsOn, endsOn or notes.");
        var survey = http.Survey();
        if (survey.IsClosed) return SurveyAccess.Closed(survey);
        if (body.Name is not null && string.IsNullOrWhiteSpace(body.Name)) return Create(StatusCodes.Status400BadRequest, "Name required", "The name cannot be empty.");
        if (Check(body.Name, body.District, body.Commune, body.Notes, body.StartsOn ?? survey.StartsOn, body.EndsOn ?? survey.EndsOn) is { } bad) return bad;
        await surveys.UpdateAsync(survey, s =>
        {
            if (body.Name is not null) s.Name = body.Name.Trim();
            if (body.District is not null) s.District = body.District.Trim();
            if (body.Commune is not null) s.Commune = body.Commune.Trim();
            if (body.StartsOn is not null) s.StartsOn = body.StartsOn;
            if (body.EndsOn is not null) s.EndsOn = body.EndsOn;
            if (body.Notes is not null) s.Notes = body.Notes;
        }, ct);
        return TypedResults.Ok(await ViewAsync(db, survey, ct));
    }

    private static async Task<Results<Ok<SurveyView>, ProblemHttpResult>> CloseAsync(HttpContext http, FieldStoreContext db, SurveyStore surveys, CancellationToken ct)
    {
        var survey = http.Survey();
        if (survey.IsClosed) return SurveyAccess.Closed(survey);
        await surveys.CloseAsync(survey, ct);
        return TypedResults.Ok(await ViewAsync(db, survey, ct));
    }

    private static async Task<NoContent> DeleteAsync(HttpContext http, ObservationStore store, CancellationToken ct)
    {
        await store.DeleteSurveyAsync(http.Survey().Id, ct);
        return TypedResults.NoContent();
    }

    private static async Task<SurveyView> ViewAsync(FieldStoreContext db, Survey survey, CancellationToken ct)
    {
        var count = await db.Observations.CountAsync(o => o.SurveyId == survey.Id, ct);
        var reviewed = await db.Observations.CountAsync(o => o.SurveyId == survey.Id && o.ReviewedAt != null, ct);
        return SurveyView.From(survey, count, reviewed);
    }

    private static ProblemHttpResult? Check(string? name, string? district, string? commune, string? notes, DateOnly? starts, DateOnly? ends)
    {
        if (name?.Length > 200 || district?.Length > 100 || commune?.Length > 100 || notes?.Length > 4000)
            return Create(StatusCodes.Status400BadRequest, "Text too long", "Name: 200 characters at most; district and commune: 100; notes: 4000.");
        if (starts is { } s && ends is { } e && e < s)
            return Create(StatusCodes.Status422UnprocessableEntity, "Dates reversed", $"The survey ends ({e:yyyy-MM-dd}) before it starts ({s:yyyy-MM-dd}).");
        return null;
    }
}
