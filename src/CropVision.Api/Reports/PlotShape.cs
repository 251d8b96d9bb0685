using System.Text.Json;

namespace CropVision.Api.Reports;

/// <summary>
/// A plot's boundary for the KML and the report's map: its code, name and a GeoJSON Polygon or MultiPolygon geometry
/// ([lon, lat] rings), from the plot records the survey's observations are linked to.
/// </summary>
public sealed record PlotShape(string Code, string? Name, JsonElement Geometry)
{
    /// <summary>The polygons' rings (first the outer one) as (lon, lat) lists; other geometry types give none.</summary>
    public IEnumerable<List<List<(double Lon, double Lat)>>> Polygons()
    {
        if (Geometry.ValueKind != JsonValueKind.Object || !Geometry.TryGetProperty("type", out var type)
            || !Geometry.TryGetProperty("coordinates", out var coordinates)) yield break;
        switch (type.GetString())
        {
            case "Polygon":
                yield return Rings(coordinates);
                break;
            case "MultiPolygon":
                foreach (var p in coordinates.EnumerateArray()) yield return Rings(p);
                break;
        }
    }

    private static List<List<(double, double)>> Rings(JsonElement polygon) =>
        [.. polygon.EnumerateArray().Select(ring => ring.EnumerateArray().Select(p => (p[0].GetDouble(), p[1].GetDouble())).ToList())];
}
