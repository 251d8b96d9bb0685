using System.Text.Json;
using CropVision.Api.Accounts;
using CropVision.Api.Surveys;
using CropVision.FieldStore.Infrastructure;
using CropVision.FieldStore.Model;
using CropVision.FieldStore.Photos;
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

/// <summary>A survey's summary (incidence, severity, agreement) and its exports: CSV, Excel, GeoJSON, KML, printable HTML report.</summary>
public static class ReportEndpoints
{
    /// <summary>Region:TimeZone (the zone exports show times in).</summary>
    public static IHostApplicationBuilder AddReports(this IHostApplicationBuilder builder) => builder.AddRegion();

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
        group.MapGet("/exports/observations.xlsx", XlsxAsync).WithName("ExportXlsx").Produces(200, contentType: XlsxType)
            .WithSummary("Excel workbook: observations with typed cells, and the summary by plot");
        group.MapGet("/exports/observations.kml", KmlAsync).WithName("ExportKml").Produces(200, contentType: "application/vnd.google-earth.kml+xml")
            .WithSummary("Observations with a position as KML 2.2 placemarks styled by label (opens in Google Earth)");
        group.MapGet("/report", ReportAsync).WithName("SurveyReport").Produces(200, contentType: "text/html")
            .WithSummary("Printable A4 HTML report of the summary with charts and a map (?lang=vi|en; ?download=1 answers a self-contained file to save)");
        return app;
    }

    private const string XlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    /// <summary>Boundaries of the plots the survey's observations are linked to, for the KML and the report's map.</summary>
    private static IReadOnlyList<PlotShape> PlotsOf(Loaded loaded) =>
        [.. loaded.Plots.Where(p => p.BoundaryGeoJson is not null)
            .Select(p => new PlotShape(p.Code, p.Name, JsonDocument.Parse(p.BoundaryGeoJson!).RootElement.Clone()))];

    internal sealed record Loaded(Survey Survey, List<Observation> Observations, IReadOnlyList<LabelName> Labels, IReadOnlyList<LabelName> Grades, IReadOnlyList<Plot> Plots);

    private static async Task<Loaded> LoadAsync(HttpContext http, FieldStoreContext db, DiseaseCatalogue catalogue, CropClasses classes, CancellationToken ct)
    {
        var survey = http.Survey();
        var observations = await db.Observations.AsNoTracking().Where(o => o.SurveyId == survey.Id)
            .OrderBy(o => o.TakenAt).ThenBy(o => o.Id).ToListAsync(ct);
        var labels = classes.Labels(survey.Crop).Select(l => Named(l, catalogue.Label(survey.Crop, l))).ToList();
        var grades = classes.Grades(survey.Crop).Select(g => Named(g, catalogue.Severity(survey.Crop, g))).ToList();
        var plotIds = observations.Where(o => o.PlotId is not null).Select(o => o.PlotId!.Value).Distinct().ToList();
        var plots = await db.Plots.AsNoTracking().Where(p => plotIds.Contains(p.Id)).OrderBy(p => p.Code).ToListAsync(ct);
        return new Loaded(survey, observations, labels, grades, plots);
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
        CropClasses classes, RegionTime time, CancellationToken ct)
    {
        var loaded = await LoadAsync(http, db, catalogue, classes, ct);
        ExportFiles.Attach(http.Response, loaded.Survey, "csv");
        return TypedResults.File(ObservationCsv.Write(loaded.Observations, loaded.Survey, catalogue, time), "text/csv; charset=utf-8");
    }

    private static async Task<FileContentHttpResult> GeoJsonAsync(HttpContext http, FieldStoreContext db, DiseaseCatalogue catalogue,
        CropClasses classes, RegionTime time, CancellationToken ct)
    {
        var loaded = await LoadAsync(http, db, catalogue, classes, ct);
        ExportFiles.Attach(http.Response, loaded.Survey, "geojson");
        return TypedResults.File(ObservationGeoJson.Write(loaded.Observations, loaded.Survey, catalogue, time), "application/geo+json");
    }

    private static async Task<FileContentHttpResult> XlsxAsync(HttpContext http, FieldStoreContext db, DiseaseCatalogue catalogue,
        CropClasses classes, RegionTime time, CancellationToken ct)
    {
        var loaded = await LoadAsync(http, db, catalogue, classes, ct);
        ExportFiles.Attach(http.Response, loaded.Survey, "xlsx");
        return TypedResults.File(ObservationXlsx.Write(loaded.Observations, loaded.Survey, Summarize(loaded), loaded.Plots, catalogue, time), XlsxType);
    }

    private static async Task<FileContentHttpResult> KmlAsync(HttpContext http, FieldStoreContext db, DiseaseCatalogue catalogue,
        CropClasses classes, RegionTime time, CancellationToken ct)
    {
        var loaded = await LoadAsync(http, db, catalogue, classes, ct);
        ExportFiles.Attach(http.Response, loaded.Survey, "kml");
        return TypedResults.File(ObservationKml.Write(loaded.Observations, loaded.Survey, loaded.Labels, PlotsOf(loaded), catalogue, time),
            "application/vnd.google-earth.kml+xml");
    }

    private static async Task<ContentHttpResult> ReportAsync(string? lang, string? download, HttpContext http, FieldStoreContext db, DiseaseCatalogue catalogue,
        CropClasses classes, TimeProvider clock, RegionTime time, PhotoFiles files, CancellationToken ct)
    {
        var loaded = await LoadAsync(http, db, catalogue, classes, ct);
        // The report is self-contained: inline styles, SVG charts and map, thumbnails as data URIs, no scripts, nothing fetched.
        http.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";
        var details = new SurveyReport.Details(loaded.Observations, PlotsOf(loaded), time, o => ThumbnailDataUri(files, o),
            catalogue.Crops.TryGetValue(loaded.Survey.Crop, out var crop) ? crop.Name : null);
        var html = SurveyReport.Render(loaded.Survey, Summarize(loaded), lang == "en" ? "en" : "vi", clock.GetUtcNow(), details);
        if (download is "1" or "true") ExportFiles.Attach(http.Response, loaded.Survey, "html");
        return TypedResults.Content(html, "text/html; charset=utf-8");
    }

    private static string? ThumbnailDataUri(PhotoFiles files, Observation o)
    {
        if (o.PhotoSha256 is null) return null;
        var path = files.ThumbnailPath(o.PhotoSha256);
        return File.Exists(path) ? "data:image/jpeg;base64," + Convert.ToBase64String(File.ReadAllBytes(path)) : null;
    }
}
