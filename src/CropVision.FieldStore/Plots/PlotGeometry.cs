using System.Globalization;
using System.Text.Json;
using CropVision.FieldStore.Photos;

namespace CropVision.FieldStore.Plots;

/// <summary>
/// A plot boundary as a GeoJSON geometry (Polygon or MultiPolygon, [lon, lat] in WGS 84): checked, stored as compact
/// text, and measured on the sphere (the ring-area formula of Chamberlain and Duquette, as in turf.js and Mapbox's
/// geojson-area), so a plot drawn in Kon Tum gets its m² without a projection.
/// </summary>
public static class PlotGeometry
{
    /// <summary>WGS 84 equatorial radius, the one turf.js uses.</summary>
    public const double EarthRadius = 6378137;

    /// <summary>Checks a geometry; returns it as compact text and its area in m², or throws <see cref="FieldStoreValidationException"/>.</summary>
    public static (string Json, double AreaM2) Parse(JsonElement geometry)
    {
        if (geometry.ValueKind != JsonValueKind.Object || !geometry.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
            throw new FieldStoreValidationException("The boundary is a GeoJSON geometry object with a type (Polygon or MultiPolygon).");
        if (!geometry.TryGetProperty("coordinates", out var coordinates) || coordinates.ValueKind != JsonValueKind.Array)
            throw new FieldStoreValidationException("The boundary has no coordinates array.");
        var polygons = type.GetString() switch
        {
            "Polygon" => [Polygon(coordinates)],
            "MultiPolygon" => coordinates.EnumerateArray().Select(Polygon).ToList(),
            var other => throw new FieldStoreValidationException($"A boundary is a Polygon or MultiPolygon, not '{other}'."),
        };
        if (polygons.Count == 0) throw new FieldStoreValidationException("The boundary has no polygon.");
        double area = polygons.Sum(p => Math.Max(0, Math.Abs(RingArea(p[0])) - p.Skip(1).Sum(h => Math.Abs(RingArea(h)))));
        var json = JsonSerializer.Serialize(new
        {
            type = type.GetString(),
            coordinates = type.GetString() == "Polygon" ? (object)polygons[0] : polygons,
        });
        return (json, Math.Round(area, 1));
    }

    private static List<List<double[]>> Polygon(JsonElement rings)
    {
        if (rings.ValueKind != JsonValueKind.Array || rings.GetArrayLength() == 0)
            throw new FieldStoreValidationException("A polygon is an array of rings (the outer ring first).");
        return [.. rings.EnumerateArray().Select(Ring)];
    }

    private static List<double[]> Ring(JsonElement ring)
    {
        if (ring.ValueKind != JsonValueKind.Array) throw new FieldStoreValidationException("A ring is an array of [longitude, latitude] positions.");
        var points = new List<double[]>();
        foreach (var p in ring.EnumerateArray())
        {
            if (p.ValueKind != JsonValueKind.Array || p.GetArrayLength() < 2 || p[0].ValueKind != JsonValueKind.Number || p[1].ValueKind != JsonValueKind.Number)
                throw new FieldStoreValidationException("Each position is [longitude, latitude] in degrees.");
            double lon = p[0].GetDouble(), lat = p[1].GetDouble();
            if (!Positions.IsValid(lat, lon))
                throw new FieldStoreValidationException(string.Create(CultureInfo.InvariantCulture, $"Position [{lon}, {lat}] is out of range."));
            points.Add([lon, lat]);
        }
        // A ring drawn by tapping may come open: close it.
        if (points.Count > 0 && (points[0][0] != points[^1][0] || points[0][1] != points[^1][1])) points.Add([points[0][0], points[0][1]]);
        if (points.Count < 4) throw new FieldStoreValidationException("A ring needs at least three distinct corners.");
        return points;
    }

    /// <summary>Signed area of a closed ring in m² on a sphere of <see cref="EarthRadius"/>.</summary>
    public static double RingArea(IReadOnlyList<double[]> ring)
    {
        int n = ring.Count;
        if (n < 3) return 0;
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            var (lower, middle, upper) = i == n - 2 ? (n - 2, n - 1, 0) : i == n - 1 ? (n - 1, 0, 1) : (i, i + 1, i + 2);
            sum += (Rad(ring[upper][0]) - Rad(ring[lower][0])) * Math.Sin(Rad(ring[middle][1]));
        }
        return sum * EarthRadius * EarthRadius / 2;
    }

    private static double Rad(double degrees) => degrees * Math.PI / 180;
}
