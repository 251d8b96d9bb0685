using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using CropVision.FieldStore.Model;
using CropVision.FieldStore.Summaries;
using CropVision.Serving.Catalogue;

namespace CropVision.Api.Reports;

/// <summary>KML 2.2 for Google Earth: one placemark per observation with a position, styled by label, and plot boundaries when given.</summary>
public static class ObservationKml
{
    public static readonly XNamespace Kml = "http://www.opengis.net/kml/2.2";

    /// <summary>The officer map's colours (ClientApp/src/officer/map.js), as #rrggbb.</summary>
    public static readonly IReadOnlyDictionary<string, string> Colours = new Dictionary<string, string>
    {
        ["healthy"] = "#2e7d32", ["rust"] = "#e65100", ["miner"] = "#6a1b9a", ["phoma"] = "#5d4037", ["cercospora"] = "#c62828",
    };

    public const string OtherColour = "#455a64";

    public static string ColourOf(string? label) => label is not null && Colours.TryGetValue(label, out var c) ? c : OtherColour;

    public static byte[] Write(IEnumerable<Observation> observations, Survey survey, IReadOnlyList<LabelName> labels, IReadOnlyList<PlotShape> plots,
        DiseaseCatalogue catalogue, RegionTime time)
    {
        var document = new XElement(Kml + "Document", new XElement(Kml + "name", survey.Name),
            new XElement(Kml + "description", $"{(catalogue.Crops.TryGetValue(survey.Crop, out var crop) ? crop.Name.Vi : survey.Crop)} · {string.Join(", ", new[] { survey.Commune, survey.District }.Where(s => !string.IsNullOrEmpty(s)))}"));
        foreach (var label in labels.Select(l => l.Label).Append("other"))
            document.Add(new XElement(Kml + "Style", new XAttribute("id", StyleId(label)),
                new XElement(Kml + "IconStyle", new XElement(Kml + "color", Abgr(ColourOf(label == "other" ? null : label))), new XElement(Kml + "scale", "0.9"),
                    new XElement(Kml + "Icon", new XElement(Kml + "href", "http://maps.google.com/mapfiles/kml/shapes/placemark_circle.png"))),
                new XElement(Kml + "LabelStyle", new XElement(Kml + "scale", "0"))));
        document.Add(new XElement(Kml + "Style", new XAttribute("id", "plot"),
            new XElement(Kml + "LineStyle", new XElement(Kml + "color", "ff00ffff"), new XElement(Kml + "width", "2")),
            new XElement(Kml + "PolyStyle", new XElement(Kml + "color", "3300ffff"))));

        if (plots.Count > 0)
        {
            var folder = new XElement(Kml + "Folder", new XElement(Kml + "name", "Lô"));
            foreach (var plot in plots)
            {
                var polygons = plot.Polygons().Select(Polygon).ToList();
                if (polygons.Count == 0) continue;
                folder.Add(new XElement(Kml + "Placemark", new XElement(Kml + "name", plot.Name is null ? plot.Code : $"{plot.Code} · {plot.Name}"),
                    new XElement(Kml + "styleUrl", "#plot"), polygons.Count == 1 ? polygons[0] : new XElement(Kml + "MultiGeometry", polygons)));
            }
            document.Add(folder);
        }

        var points = new XElement(Kml + "Folder", new XElement(Kml + "name", "Quan sát"));
        var known = labels.Select(l => l.Label).ToHashSet();
        foreach (var o in observations.Where(o => o.Latitude is not null && o.Longitude is not null))
        {
            var label = SurveySummary.LabelOf(o);
            var name = label is null ? "(chưa có nhãn)" : catalogue.Label(o.Crop, label).Vi;
            var severity = SurveySummary.SeverityOf(o);
            var description = string.Join("\n", new[]
            {
                $"Nhãn: {name}{(label is null ? "" : $" ({label})")}",
                $"Mức độ: {severity ?? "–"}",
                $"Thời điểm chụp: {time.Iso(o.TakenAt)} (nguồn: {ObservationXlsx.TakenAtSourceVi(o.TakenAtSource)})",
                $"Lô: {o.PlotCode ?? "(không ghi)"}",
                o.IsReviewed ? $"Đã kiểm tra: {o.ReviewedBy}" : "Chưa kiểm tra",
            });
            points.Add(new XElement(Kml + "Placemark", new XAttribute("id", $"o-{o.Id:N}"),
                new XElement(Kml + "name", name),
                new XElement(Kml + "description", description),
                new XElement(Kml + "TimeStamp", new XElement(Kml + "when", time.Iso(o.TakenAt))),
                new XElement(Kml + "styleUrl", "#" + StyleId(label is not null && known.Contains(label) ? label : "other")),
                new XElement(Kml + "ExtendedData",
                    Data("label", label), Data("severity", severity), Data("taken_at", time.Iso(o.TakenAt)),
                    Data("taken_at_source", o.TakenAtSource.ToString().ToLowerInvariant()), Data("plot", o.PlotCode), Data("reviewed", o.IsReviewed ? "true" : "false")),
                new XElement(Kml + "Point", new XElement(Kml + "coordinates", Coordinate(o.Longitude!.Value, o.Latitude!.Value)))));
        }
        document.Add(points);

        using var buffer = new MemoryStream();
        using (var xml = XmlWriter.Create(buffer, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true }))
            new XDocument(new XDeclaration("1.0", "UTF-8", null), new XElement(Kml + "kml", document)).Save(xml);
        return buffer.ToArray();
    }

    private static string StyleId(string label) => $"label-{label}";

    private static XElement Data(string name, string? value) => new(Kml + "Data", new XAttribute("name", name), new XElement(Kml + "value", value ?? ""));

    private static XElement Polygon(List<List<(double Lon, double Lat)>> rings)
    {
        var polygon = new XElement(Kml + "Polygon", new XElement(Kml + "tessellate", "1"));
        for (int i = 0; i < rings.Count; i++)
            polygon.Add(new XElement(Kml + (i == 0 ? "outerBoundaryIs" : "innerBoundaryIs"),
                new XElement(Kml + "LinearRing", new XElement(Kml + "coordinates", string.Join(" ", rings[i].Select(p => Coordinate(p.Lon, p.Lat)))))));
        return polygon;
    }

    /// <summary>KML's order: longitude, latitude (no altitude).</summary>
    private static string Coordinate(double lon, double lat) =>
        $"{Math.Round(lon, 7).ToString(CultureInfo.InvariantCulture)},{Math.Round(lat, 7).ToString(CultureInfo.InvariantCulture)}";

    /// <summary>#rrggbb to KML's aabbggrr, opaque.</summary>
    private static string Abgr(string rgb) => $"ff{rgb[5..7]}{rgb[3..5]}{rgb[1..3]}";
}
