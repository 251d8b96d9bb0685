using CropVision.FieldStore.Model;
using CropVision.FieldStore.Summaries;
using CropVision.Serving.Catalogue;
using CsvHelper;

namespace CropVision.Api.Reports;

/// <summary>One CSV row per observation.</summary>
public sealed record ObservationRow(
    Guid Id, string Survey, string Crop, string TakenAt, string TakenAtSource, double? Latitude, double? Longitude, string PositionSource,
    string? Plot, string? Commune, string? Officer, int? ModelVersion, string? ModelLabel, double? ModelConfidence, string? ModelSeverity,
    string? ModelStatus, bool Reviewed, string? ConfirmedLabel, string? ConfirmedSeverity, string? ReviewedBy, string? ReviewedAt,
    string? Label, string? LabelVi, string? LabelEn, string? Severity, string? Notes, string? PhotoSha256, string? OriginalName)
{
    /// <summary>Times in the region's zone with their offset; <c>taken_at_source</c> says which clock gave taken_at.</summary>
    public static ObservationRow From(Observation o, Survey survey, DiseaseCatalogue catalogue, RegionTime time)
    {
        var label = SurveySummary.LabelOf(o);
        var names = label is null ? null : catalogue.Label(o.Crop, label);
        return new(o.Id, survey.Name, o.Crop, time.Iso(o.TakenAt), o.TakenAtSource.ToString().ToLowerInvariant(),
            o.Latitude, o.Longitude, o.PositionSource.ToString().ToLowerInvariant(), o.PlotCode, o.Commune, o.Officer, o.ModelVersion, o.ModelLabel,
            o.ModelConfidence, o.ModelSeverity, o.ModelStatus, o.IsReviewed, o.ConfirmedLabel, o.ConfirmedSeverity, o.ReviewedBy,
            time.Iso(o.ReviewedAt), label, names?.Vi, names?.En, SurveySummary.SeverityOf(o),
            o.Notes, o.PhotoSha256, o.OriginalName);
    }
}

/// <summary>CSV for Excel: UTF-8 with a byte-order mark (so Vietnamese shows right), invariant numbers, formula injection escaped.</summary>
public static class ObservationCsv
{
    /// <summary>snake_case column names, the form GIS and spreadsheet users expect, in the record's order.</summary>
    public static readonly string[] Columns = [.. typeof(ObservationRow).GetProperties().Select(p => Snake(p.Name))];

    public static byte[] Write(IEnumerable<Observation> observations, Survey survey, DiseaseCatalogue catalogue, RegionTime time)
    {
        var properties = typeof(ObservationRow).GetProperties();
        using var buffer = new MemoryStream();
        using (var csv = CsvWriter.Create(buffer, new CsvWriterOptions { WriteByteOrderMark = true, Injection = CsvInjection.Escape }, leaveOpen: true))
        {
            csv.WriteHeader(Columns);
            foreach (var row in observations.Select(o => ObservationRow.From(o, survey, catalogue, time)))
            {
                foreach (var p in properties) csv.WriteField(p.GetValue(row));
                csv.EndRecord();
            }
        }
        return buffer.ToArray();
    }

    internal static string Snake(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "_" : "") + char.ToLowerInvariant(c) : c.ToString()));
}
