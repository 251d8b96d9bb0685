using System.Globalization;
using System.Text;

namespace CropVision.Api.Reports;

/// <summary>A point on the report's map: position, label (for the colour), severity grade (for the size).</summary>
public sealed record MapPoint(double Lat, double Lon, string? Label, int? Severity);

/// <summary>
/// The report's map as inline SVG, needing no tiles or network: points (and plot boundaries) projected from lat/lon
/// with an equirectangular projection scaled by cos(latitude), a north arrow and a scale bar. Over a survey's few
/// kilometres the distortion is far below what a printed page shows.
/// </summary>
public static class ReportMap
{
    private const double MetresPerDegree = 111_320;

    public static string Svg(IReadOnlyList<MapPoint> points, IReadOnlyList<PlotShape> plots, string scaleLabel, int width = 640, int height = 420)
    {
        var rings = plots.SelectMany(p => p.Polygons()).SelectMany(p => p).ToList();
        var all = points.Select(p => (p.Lon, p.Lat)).Concat(rings.SelectMany(r => r)).ToList();
        var svg = new StringBuilder($"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"map\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\">")
            .Append($"<rect width=\"{width}\" height=\"{height}\" fill=\"#f4f1e8\" stroke=\"#999\"/>");
        if (all.Count == 0) return svg.Append("</svg>").ToString();

        double minLon = all.Min(p => p.Lon), maxLon = all.Max(p => p.Lon), minLat = all.Min(p => p.Lat), maxLat = all.Max(p => p.Lat);
        double k = Math.Cos((minLat + maxLat) / 2 * Math.PI / 180);
        // At least ~200 m across, so one point or a tight cluster still has a sensible scale.
        double spanX = Math.Max((maxLon - minLon) * k, 200 / MetresPerDegree), spanY = Math.Max(maxLat - minLat, 200 / MetresPerDegree);
        const int pad = 30;
        double unitsPerPixel = Math.Max(spanX / (width - 2 * pad), spanY / (height - 2 * pad));
        double cx = (minLon + maxLon) / 2 * k, cy = (minLat + maxLat) / 2;
        string X(double lon) => F(width / 2.0 + (lon * k - cx) / unitsPerPixel);
        string Y(double lat) => F(height / 2.0 - (lat - cy) / unitsPerPixel);

        foreach (var ring in rings)
            svg.Append($"<polygon points=\"{string.Join(" ", ring.Select(p => $"{X(p.Lon)},{Y(p.Lat)}"))}\" fill=\"#fff59d\" fill-opacity=\"0.35\" stroke=\"#b8860b\" stroke-width=\"1.5\"/>");
        foreach (var p in points)
            svg.Append($"<circle cx=\"{X(p.Lon)}\" cy=\"{Y(p.Lat)}\" r=\"{4 + (p.Severity ?? 0)}\" fill=\"{ObservationKml.ColourOf(p.Label)}\" fill-opacity=\"0.9\" stroke=\"#fff\" stroke-width=\"1\"/>");

        // Scale bar: the largest 1, 2 or 5 x 10^n metres that fits in a quarter of the width.
        double metresPerPixel = unitsPerPixel * MetresPerDegree;
        double target = metresPerPixel * width / 4, magnitude = Math.Pow(10, Math.Floor(Math.Log10(target)));
        double metres = new[] { 5, 2, 1 }.Select(m => m * magnitude).First(m => m <= target);
        double barPixels = metres / metresPerPixel;
        string text = metres >= 1000 ? $"{F(metres / 1000)} km" : $"{F(metres)} m";
        svg.Append($"<g class=\"scale\" data-metres=\"{F(metres)}\"><rect x=\"{pad - 10}\" y=\"{height - 28}\" width=\"{F(barPixels + 20)}\" height=\"24\" fill=\"#fff\" fill-opacity=\"0.8\"/>")
            .Append($"<path d=\"M{pad} {height - 12}h{F(barPixels)}M{pad} {height - 16}v8M{F(pad + barPixels)} {height - 16}v8\" stroke=\"#222\" stroke-width=\"2\" fill=\"none\"/>")
            .Append($"<text x=\"{pad}\" y=\"{height - 17}\" font-size=\"11\">{text} · {scaleLabel}</text></g>")
            .Append($"<g class=\"north\"><path d=\"M{width - 24} {14}l6 16h-12z\" fill=\"#222\"/><text x=\"{width - 28}\" y=\"44\" font-size=\"12\">N</text></g>");
        return svg.Append("</svg>").ToString();
    }

    private static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);
}
