using CropVision.Api.Accounts;
using CropVision.Api.Surveys;
using CropVision.FieldStore.Infrastructure;
using CropVision.FieldStore.Model;
using CropVision.FieldStore.Summaries;
using CropVision.Serving.Batching;
using CropVision.Serving.Catalogue;
using CropVision.Serving.Registry;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace CropVision.Api.Reports;

public sealed record LabelName(string Label, string En, string Vi);
public sealed record SummaryResponse(Guid SurveyId, string Name, string Crop, IReadOnlyList<LabelName> Labels, IReadOnlyList<LabelName> SeverityGrades,
    GroupSummary Overall, IReadOnlyList<GroupSummary> ByPlot, IReadOnlyList<GroupSummary> ByCommune, Agreement? Agreement);

/// <summary>A survey's summary (incidence, severity, agreement) and its exports: CSV, GeoJSON, printable HTML report.</summary>
public static class ReportEndpoints
{
    public static IEndpointRouteBuilder MapReportsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/surveys/{id:guid}").WithTags("Reports").RequireOfficer().AddEndpointFilter(SurveyAccess.LoadAsync)
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/summary", SummaryAsync).WithName("SurveySummary")
            .WithSummary("Observations, reviewed share, incidence and severity overall, by plot and by commune; model-officer agreement once some are reviewed");
        group.MapGet("/exports/observations.csv", CsvAsync).WithName("ExportCsv").Produces(200, contentType: "text/csv")
            .WithSummary("Every observation as CSV (UTF-8 with BOM, opens in Excel)");
        group.MapGet("/exports/observations.geojson", GeoJsonAsync).WithName("ExportGeoJson").Produces(200, contentType: "application/geo+json")
            .WithSummary("Observations with a position as a GeoJSON FeatureCollection of points (opens in QGIS)");
        group.MapGet("/report", ReportAsync).WithName("SurveyReport").Produces(200, contentType: "text/html")
            .WithSummary("Printable HTML report of the summary with charts (?lang=vi|en)");
        return app;
    }

    internal sealed record Loaded(Survey Survey, List<Observation> Observations, IReadOnlyList<LabelName> Labels, IReadOnlyList<LabelName> Grades);

    private static async Task<Loaded> LoadAsync(HttpContext http, FieldStoreContext db, DiseaseCatalogue catalogue, CropClasses classes, CancellationToken ct)
    {
        var survey = http.Survey();
        var observations = await db.Observations.AsNoTracking().Where(o => o.SurveyId == survey.Id)
            .OrderBy(o => o.TakenAt).ThenBy(o => o.Id).ToListAsync(ct);
        var labels = classes.Labels(survey.Crop).Select(l => Named(l, catalogue.Label(survey.Crop, l))).ToList();
        var grades = classes.Grades(survey.Crop).Select(g => Named(g, catalogue.Severity(survey.Crop, g))).ToList();
        return new Loaded(survey, observations, labels, grades);
    }

    private static LabelName Named(string label, LabelEntry entry) => new(label, entry.En, entry.Vi);

    private static async Task<Ok<SummaryResponse>> SummaryAsync(HttpContext http, FieldStoreContext db, DiseaseCatalogue catalogue,
        CropClasses classes, CancellationToken ct) =>
        TypedResults.Ok(Summarize(await LoadAsync(http, db, catalogue, classes, ct)));

    internal static SummaryResponse Summarize(Loaded l)
    {
        var s = SurveySummary.Of(l.Observations, [.. l.Labels.Select(x => x.Label)]);
        return new SummaryResponse(l.Survey.Id, l.Survey.Name, l.Survey.Crop, l.Labels, l.Grades, s.Overall, s.ByPlot, s.ByCommune, s.Agreement);
    }

    private static async Task<FileContentHttpResult> CsvAsync(HttpContext http, FieldStoreContext db, DiseaseCatalogue catalogue,
        CropClasses classes, CancellationToken ct)
    {
        var loaded = await LoadAsync(http, db, catalogue, classes, ct);
        return TypedResults.File(ObservationCsv.Write(loaded.Observations, loaded.Survey, catalogue), "text/csv; charset=utf-8",
            FileName(loaded.Survey, "csv"));
    }

    private static async Task<FileContentHttpResult> GeoJsonAsync(HttpContext http, FieldStoreContext db, DiseaseCatalogue catalogue,
        CropClasses classes, CancellationToken ct)
    {
        var loaded = await LoadAsync(http, db, catalogue, classes, ct);
        return TypedResults.File(ObservationGeoJson.Write(loaded.Observations, loaded.Survey, catalogue), "application/geo+json",
            FileName(loaded.Survey, "geojson"));
    }

    private static async Task<ContentHttpResult> ReportAsync(string? lang, HttpContext http, FieldStoreContext db, DiseaseCatalogue catalogue,
        CropClasses classes, TimeProvider clock, CancellationToken ct)
    {
        var loaded = await LoadAsync(http, db, catalogue, classes, ct);
        // The report is self-contained: inline styles and SVG charts, no scripts, nothing fetched.
        http.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";
        var html = SurveyReport.Render(loaded.Survey, Summarize(loaded), lang == "en" ? "en" : "vi", clock.GetUtcNow());
        return TypedResults.Content(html, "text/html; charset=utf-8");
    }

    /// <summary>An ASCII file name from the survey's name and date (Content-Disposition also carries the UTF-8 name).</summary>
    private static string FileName(Survey s, string extension)
    {
        var safe = new string(s.Name.Normalize(System.Text.NormalizationForm.FormD).Where(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or ' ').ToArray()).Trim().Replace(' ', '-');
        return $"{(safe.Length == 0 ? "survey" : safe)}-{s.CreatedAt:yyyyMMdd}.{extension}";
    }
}
