using CropVision.Api.Accounts;
using CropVision.Api.Http;
using CropVision.Api.Surveys;
using CropVision.FieldStore;
using CropVision.FieldStore.Infrastructure;
using CropVision.FieldStore.Model;
using CropVision.FieldStore.Plots;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using static CropVision.Api.Http.Problems;

namespace CropVision.Api.Plots;

/// <summary>/v1/plots: a team's plots, kept across surveys. Officers reach their own team's plots (others answer 404); admins all.</summary>
public static class PlotEndpoints
{
    public static IEndpointRouteBuilder MapPlotsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/plots").WithTags("Plots").RequireOfficer()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        group.MapGet("/", ListAsync).WithName("ListPlots").WithSummary("Plots of your team (all for an admin), by code; ?commune, ?page, ?pageSize");
        group.MapPost("/", CreateAsync).WithName("CreatePlot").WithSummary("A plot: code (unique in the team), name, commune, owner, boundary (GeoJSON Polygon/MultiPolygon) or areaM2");
        group.MapGet("/{plotId:guid}", GetAsync).WithName("GetPlot");
        group.MapPatch("/{plotId:guid}", UpdateAsync).WithName("UpdatePlot");
        group.MapDelete("/{plotId:guid}", DeleteAsync).WithName("DeletePlot").WithSummary("Delete a plot; its observations keep the plot code as text");
        return app;
    }

    private static IQueryable<Plot> Visible(FieldStoreContext db, CurrentOfficer officer) =>
        officer.IsAdmin ? db.Plots.AsNoTracking() : db.Plots.AsNoTracking().Where(p => p.Team == officer.Team);

    private static async Task<Results<Ok<Paged<PlotView>>, ProblemHttpResult>> ListAsync(string? commune, [AsParameters] PageQuery paging,
        FieldStoreContext db, CurrentOfficer officer, CancellationToken ct)
    {
        if (paging.Resolve() is not var (p, size, skip)) return PageQuery.Invalid();
        var query = Visible(db, officer);
        if (!string.IsNullOrWhiteSpace(commune)) { var c = commune.Trim(); query = query.Where(x => x.Commune == c); }
        var total = await query.CountAsync(ct);
        var rows = await query.OrderBy(x => x.Team).ThenBy(x => x.Code).Skip(skip).Take(size).ToListAsync(ct);
        return TypedResults.Ok(new Paged<PlotView>([.. rows.Select(PlotView.From)], p, size, total));
    }

    private static async Task<Results<Created<PlotView>, ProblemHttpResult>> CreateAsync(NewPlot? body, PlotStore plots, CurrentOfficer officer, CancellationToken ct)
    {
        if (body is null || string.IsNullOrWhiteSpace(body.Code)) return Create(StatusCodes.Status400BadRequest, "Plot incomplete", "Give at least the plot's code.");
        var team = string.IsNullOrWhiteSpace(body.Team) ? officer.Team : body.Team.Trim();
        if (!officer.Sees(team)) return Create(StatusCodes.Status403Forbidden, "Other team", $"You can create plots for your own team ('{officer.Team}') only.");
        if (CheckText(body.Name, body.Commune, body.Owner) is { } bad) return bad;
        var plot = new Plot { Team = team, Code = body.Code, Name = Clean(body.Name), Commune = Clean(body.Commune), Owner = Clean(body.Owner), CreatedBy = officer.UserName };
        try
        {
            if (Shape(plot, body.Boundary, body.AreaM2, clear: false) is { } refused) return refused;
            plot = await plots.CreateAsync(plot, ct);
        }
        catch (FieldStoreValidationException e) { return Create(StatusCodes.Status400BadRequest, "Bad plot", e.Message); }
        catch (PlotCodeTakenException e) { return Taken(e); }
        return TypedResults.Created($"/v1/plots/{plot.Id}", PlotView.From(plot));
    }

    private static async Task<Results<Ok<PlotView>, ProblemHttpResult>> GetAsync(Guid plotId, FieldStoreContext db, CurrentOfficer officer, CancellationToken ct) =>
        await Visible(db, officer).FirstOrDefaultAsync(p => p.Id == plotId, ct) is { } plot ? TypedResults.Ok(PlotView.From(plot)) : NotFound(plotId);

    private static async Task<Results<Ok<PlotView>, ProblemHttpResult>> UpdateAsync(Guid plotId, PlotChange? body, FieldStoreContext db, PlotStore plots,
        CurrentOfficer officer, CancellationToken ct)
    {
        if (body is null) return Create(StatusCodes.Status400BadRequest, "Nothing to change", "Send JSON with code, name, commune, owner, boundary, areaM2 or clearBoundary.");
        if (await Visible(db, officer).FirstOrDefaultAsync(p => p.Id == plotId, ct) is not { } plot) return NotFound(plotId);
        if (body.Code is not null && string.IsNullOrWhiteSpace(body.Code)) return Create(StatusCodes.Status400BadRequest, "Code required", "The plot code cannot be empty.");
        if (CheckText(body.Name, body.Commune, body.Owner) is { } bad) return bad;
        try
        {
            // Checked on a copy first, so a refused boundary changes nothing.
            var shaped = new Plot { Team = plot.Team, Code = plot.Code, CreatedBy = plot.CreatedBy, BoundaryGeoJson = plot.BoundaryGeoJson, AreaM2 = plot.AreaM2 };
            if (Shape(shaped, body.Boundary, body.AreaM2, body.ClearBoundary == true) is { } refused) return refused;
            plot = await plots.UpdateAsync(plot, p =>
            {
                if (body.Code is not null) p.Code = body.Code;
                if (body.Name is not null) p.Name = Clean(body.Name);
                if (body.Commune is not null) p.Commune = Clean(body.Commune);
                if (body.Owner is not null) p.Owner = Clean(body.Owner);
                (p.BoundaryGeoJson, p.AreaM2) = (shaped.BoundaryGeoJson, shaped.AreaM2);
            }, ct);
        }
        catch (FieldStoreValidationException e) { return Create(StatusCodes.Status400BadRequest, "Bad plot", e.Message); }
        catch (PlotCodeTakenException e) { return Taken(e); }
        return TypedResults.Ok(PlotView.From(plot));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(Guid plotId, FieldStoreContext db, PlotStore plots, CurrentOfficer officer, CancellationToken ct)
    {
        if (!await Visible(db, officer).AnyAsync(p => p.Id == plotId, ct)) return NotFound(plotId);
        await plots.DeleteAsync(plotId, ct);
        return TypedResults.NoContent();
    }

    /// <summary>Sets the boundary (and the area it gives) or the entered area; null when fine.</summary>
    private static ProblemHttpResult? Shape(Plot plot, System.Text.Json.JsonElement? boundary, double? area, bool clear)
    {
        if (area is { } a && (!double.IsFinite(a) || a <= 0 || a > 1e9))
            return Create(StatusCodes.Status400BadRequest, "Bad area", "areaM2 is a positive number of square metres (at most 1,000 km²).");
        if (clear) (plot.BoundaryGeoJson, plot.AreaM2) = (null, area);
        if (boundary is { ValueKind: not System.Text.Json.JsonValueKind.Null } b)
        {
            var (json, computed) = PlotGeometry.Parse(b);
            (plot.BoundaryGeoJson, plot.AreaM2) = (json, computed);
        }
        else if (area is not null && plot.BoundaryGeoJson is null) plot.AreaM2 = area;
        return null;
    }

    private static ProblemHttpResult? CheckText(string? name, string? commune, string? owner) =>
        name?.Length > 200 || commune?.Length > 100 || owner?.Length > 100
            ? Create(StatusCodes.Status400BadRequest, "Text too long", "Name: 200 characters at most; commune and owner: 100.")
            : null;

    private static string? Clean(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private static ProblemHttpResult NotFound(Guid id) =>
        Create(StatusCodes.Status404NotFound, "No such plot", $"Plot {id} does not exist or belongs to another team.");

    private static ProblemHttpResult Taken(PlotCodeTakenException e) =>
        Create(StatusCodes.Status409Conflict, "Plot code taken", e.Message, new Dictionary<string, object?> { ["plotCode"] = e.Code });
}
