using System.Text.Json;
using System.Xml.Linq;
using CropVision.Api.Reports;
using CropVision.FieldStore.Model;
using CropVision.Serving.Catalogue;
using Microsoft.Extensions.Options;

namespace CropVision.Tests.Api.Surveys;

/// <summary>Plot boundaries in the KML and on the report's map: the exports take them as GeoJSON geometry, ready for plots as records.</summary>
[Trait("Category", "Fast")]
public sealed class PlotShapeExportTests
{
    private static readonly PlotShape Plot = new("Lô A", "Vườn ông Hùng", JsonDocument.Parse(
        """{"type":"Polygon","coordinates":[[[107.90,14.65],[107.91,14.65],[107.91,14.66],[107.90,14.66],[107.90,14.65]]]}""").RootElement);

    [Fact]
    public void Kml_draws_a_plot_polygon_with_lon_lat_rings()
    {
        var catalogue = DiseaseCatalogue.Load(Path.Combine(AppContext.BaseDirectory, "Catalogue", "diseases.json"));
        var survey = new Survey { Id = Guid.NewGuid(), Name = "Lô thử", Crop = "coffee", Team = "t", CreatedBy = "lan" };
        var observation = new Observation { Id = Guid.NewGuid(), Crop = "coffee", Latitude = 14.655, Longitude = 107.905, ModelLabel = "rust", ModelStatus = "ok", TakenAt = new DateTimeOffset(2026, 11, 3, 1, 1, 0, TimeSpan.Zero) };
        var bytes = ObservationKml.Write([observation], survey, [new LabelName("rust", "Rust", "Bệnh gỉ sắt")], [Plot], catalogue,
            new RegionTime(Options.Create(new RegionOptions())));
        XNamespace k = "http://www.opengis.net/kml/2.2";
        var kml = XDocument.Parse(System.Text.Encoding.UTF8.GetString(bytes));
        var polygon = kml.Descendants(k + "Polygon").Single();
        var ring = polygon.Element(k + "outerBoundaryIs")!.Descendants(k + "coordinates").Single().Value.Split(' ');
        Assert.Equal(5, ring.Length);
        Assert.Equal("107.9,14.65", ring[0]);
        Assert.Contains(kml.Descendants(k + "Placemark"), p => p.Element(k + "name")!.Value == "Lô A · Vườn ông Hùng");
        Assert.Equal("107.905,14.655", kml.Descendants(k + "Point").Single().Element(k + "coordinates")!.Value);
        Assert.Equal("2026-11-03T08:01:00+07:00", kml.Descendants(k + "when").Single().Value);
    }

    [Fact]
    public void Report_map_projects_points_inside_the_plot_and_draws_a_scale()
    {
        var svg = XDocument.Parse(ReportMap.Svg([new MapPoint(14.655, 107.905, "rust", 2)], [Plot], "tỷ lệ gần đúng"));
        XNamespace s = "http://www.w3.org/2000/svg";
        var points = svg.Descendants(s + "polygon").Single().Attribute("points")!.Value.Split(' ')
            .Select(p => p.Split(',').Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray()).ToList();
        var circle = svg.Descendants(s + "circle").Single();
        double cx = double.Parse(circle.Attribute("cx")!.Value, System.Globalization.CultureInfo.InvariantCulture);
        double cy = double.Parse(circle.Attribute("cy")!.Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(cx, points.Min(p => p[0]), points.Max(p => p[0]));
        Assert.InRange(cy, points.Min(p => p[1]), points.Max(p => p[1]));
        // North is up: the ring's northern edge (14.66) has the smaller y.
        Assert.True(points[2][1] < points[1][1]);
        // The plot is ~1.08 km east-west and 1.11 km north-south: the scale bar is a round length below a quarter of the width.
        var metres = double.Parse(svg.Descendants(s + "g").Single(g => (string?)g.Attribute("class") == "scale").Attribute("data-metres")!.Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains(metres, new[] { 100.0, 200, 500 });
    }
}
