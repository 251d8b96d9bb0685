using CropVision.Api.Accounts;
using CropVision.FieldStore.Infrastructure;
using CropVision.FieldStore.Model;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using static CropVision.Api.Http.Problems;

namespace CropVision.Api.Surveys;

/// <summary>Team scoping: an officer reaches their own team's surveys only (others answer 404, so they do not leak); an admin reaches all.</summary>
public static class SurveyAccess
{
    private const string ItemKey = "CropVision.Survey";

    /// <summary>
    /// Endpoint filter for every route with a survey <c>{id}</c>: loads the survey if the caller's team may see it (else
    /// 404) and keeps it in <see cref="HttpContext.Items"/> for the handler (<see cref="Survey(HttpContext)"/>). Added to
    /// a route group after RequireOfficer, so the officer is known; routes without an id pass through.
    /// </summary>
    public static async ValueTask<object?> LoadAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!Guid.TryParse(http.Request.RouteValues["id"]?.ToString(), out var id)) return await next(context);
        var db = http.RequestServices.GetRequiredService<FieldStoreContext>();
        var officer = http.RequestServices.GetRequiredService<CurrentOfficer>();
        var survey = await db.Surveys.AsNoTracking().Visible(officer).FirstOrDefaultAsync(s => s.Id == id, http.RequestAborted);
        if (survey is null) return NotFound(id);
        http.Items[ItemKey] = survey;
        return await next(context);
    }

    /// <summary>The survey of the route, loaded by <see cref="LoadAsync"/> (not tracked: attach it to change it).</summary>
    public static Survey Survey(this HttpContext http) =>
        http.Items[ItemKey] as Survey ?? throw new InvalidOperationException("This endpoint's group lacks the SurveyAccess.LoadAsync filter.");

    public static IQueryable<Survey> Visible(this IQueryable<Survey> surveys, CurrentOfficer officer) =>
        officer.IsAdmin ? surveys : surveys.Where(s => s.Team == officer.Team);

    public static ProblemHttpResult NotFound(Guid id) =>
        Create(StatusCodes.Status404NotFound, "No such survey", $"Survey {id} does not exist or belongs to another team.");

    public static ProblemHttpResult Closed(Survey survey) =>
        Create(StatusCodes.Status409Conflict, "Survey closed", $"Survey '{survey.Name}' was closed on {survey.ClosedAt:yyyy-MM-dd}; it takes no more observations or changes.");
}
