using System.Text.Json;
using CropVision.FieldStore.Model;
using CropVision.Serving.Catalogue;

namespace CropVision.Api.Reports;

/// <summary>A GeoJSON FeatureCollection (RFC 7946): one point per observation with a position, the CSV's columns as properties.</summary>
public static class ObservationGeoJson
{
    public static byte[] Write(IEnumerable<Observation> observations, Survey survey, DiseaseCatalogue catalogue)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false }))
        {
            json.WriteStartObject();
            json.WriteString("type", "FeatureCollection");
            json.WriteStartArray("features");
            foreach (var o in observations.Where(o => o.Latitude is not null && o.Longitude is not null))
            {
                var row = ObservationRow.From(o, survey, catalogue);
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

    private static Dictionary<string, object?> Properties(ObservationRow row) =>
        typeof(ObservationRow).GetProperties().Where(p => p.Name is not (nameof(ObservationRow.Latitude) or nameof(ObservationRow.Longitude)))
            .ToDictionary(p => ObservationCsv.Snake(p.Name), p => p.GetValue(row));
}
