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
    public static IQueryable<Survey> Visible(this IQueryable<Survey> surveys, CurrentOfficer officer) =>
        officer.IsAdmin ? surveys : surveys.Where(s => s.Team == officer.Team);

    public static async Task<(Survey?, ProblemHttpResult?)> FindAsync(FieldStoreContext db, CurrentOfficer officer, Guid id, CancellationToken ct, bool tracked = false)
    {
        var query = tracked ? db.Surveys : db.Surveys.AsNoTracking();
        var survey = await query.Visible(officer).FirstOrDefaultAsync(s => s.Id == id, ct);
        return survey is null ? (null, NotFound(id)) : (survey, null);
    }

    public static ProblemHttpResult NotFound(Guid id) =>
        Create(StatusCodes.Status404NotFound, "No such survey", $"Survey {id} does not exist or belongs to another team.");

    public static ProblemHttpResult Closed(Survey survey) =>
        Create(StatusCodes.Status409Conflict, "Survey closed", $"Survey '{survey.Name}' was closed on {survey.ClosedAt:yyyy-MM-dd}; it takes no more observations or changes.");
}
