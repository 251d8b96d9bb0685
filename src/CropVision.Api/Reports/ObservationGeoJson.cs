using System.Globalization;
using System.Text.Json;
using CropVision.FieldStore.Model;
using CropVision.Serving.Catalogue;

namespace CropVision.Api.Reports;

/// <summary>
/// A GeoJSON FeatureCollection (RFC 7946): one point per observation with a position, the CSV's columns as properties
/// (severities as grade numbers), and the collection's own properties: the survey's name and how many observations
/// had no position and so are not in it.
/// </summary>
public static class ObservationGeoJson
{
    private static readonly HashSet<string> Grades = [nameof(ObservationRow.Severity), nameof(ObservationRow.ModelSeverity), nameof(ObservationRow.ConfirmedSeverity)];

    public static byte[] Write(IReadOnlyCollection<Observation> observations, Survey survey, DiseaseCatalogue catalogue, RegionTime time)
    {
        var placed = observations.Where(o => o.Latitude is not null && o.Longitude is not null).ToList();
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false }))
        {
            json.WriteStartObject();
            json.WriteString("type", "FeatureCollection");
            // A foreign member (RFC 7946 section 6.1) QGIS ignores and people read: what the map leaves out.
            json.WriteStartObject("properties");
            json.WriteString("survey", survey.Name);
            json.WriteString("survey_id", survey.Id);
            json.WriteNumber("observations", observations.Count);
            json.WriteNumber("without_position", observations.Count - placed.Count);
            json.WriteString("time_zone", time.Zone.Id);
            json.WriteEndObject();
            json.WriteStartArray("features");
            foreach (var o in placed)
            {
                var row = ObservationRow.From(o, survey, catalogue, time);
                json.WriteStartObject();
                json.WriteString("type", "Feature");
                json.WriteString("id", o.Id);
                json.WriteStartObject("geometry");
                json.WriteString("type", "Point");
                json.WriteStartArray("coordinates");
                json.WriteNumberValue(Math.Round(o.Longitude!.Value, 7));
                json.WriteNumberValue(Math.Round(o.Latitude!.Value, 7));
                json.WriteEndArray();
                json.WriteEndObject();
                json.WritePropertyName("properties");
                JsonSerializer.Serialize(json, Properties(row));
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>A severity grade as its number ("2" → 2), null when there is none or it is not a number.</summary>
    public static int? GradeNumber(string? grade) =>
        int.TryParse(grade, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;

    private static Dictionary<string, object?> Properties(ObservationRow row) =>
        typeof(ObservationRow).GetProperties().Where(p => p.Name is not (nameof(ObservationRow.Latitude) or nameof(ObservationRow.Longitude)))
            .ToDictionary(p => ObservationCsv.Snake(p.Name), p => Grades.Contains(p.Name) ? GradeNumber((string?)p.GetValue(row)) : p.GetValue(row));
}
