using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using CropVision.Api.Reports;
using CropVision.Tests.Support;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using static CropVision.Tests.Support.ServiceRequests;

namespace CropVision.Tests.Api.Surveys;

/// <summary>Excel, KML, GeoJSON, CSV times and the A4 report of a survey with a Vietnamese name, through HTTP, on both providers.</summary>
[Trait("Category", "Postgres")]
public sealed class ExportTests(OfficerServices services) : IClassFixture<OfficerServices>
{
    private const string Name = "Điều tra bệnh lá cà phê";

    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Exports_carry_local_times_typed_cells_points_and_Vietnamese_names(string provider)
    {
        var service = await services.GetAsync(provider);
        using var officer = await service.NewOfficerAsync("exports");
        var survey = await SurveyRequests.CreateSurveyAsync(officer, Name);
        var id = survey.GetProperty("id").GetString();
        var date = survey.GetProperty("createdAt").GetDateTimeOffset().ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture);
        var url = $"/v1/surveys/{id}/observations";
        // Two photos with EXIF time (08:01 and 08:02 on the phone's clock, Kon Tum time) and GPS; one with neither.
        for (int i = 0; i < 3; i++)
        {
            var photo = i < 2 ? ExifWriter.WithExif(LeafJpeg(60 + i), new DateTime(2026, 11, 3, 8, 1 + i, 0), 14.65 + i * 0.01, 107.9 + i * 0.01) : LeafJpeg(62);
            var form = SurveyRequests.Photos((photo, $"{i}.jpg"));
            form.Add(new StringContent(i == 2 ? "Lô B" : "Lô A"), "plot");
            var r = await officer.PostAsync(url, form);
            Assert.Equal(HttpStatusCode.Created, r.StatusCode);
            var added = (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
            Assert.Equal(HttpStatusCode.OK, (await officer.PatchAsJsonAsync($"{url}/{added}", new { confirmedLabel = "rust", confirmedSeverity = "2" })).StatusCode);
        }

        // The typed plot codes made plot records; plot A gets a name and a boundary, which the xlsx and the KML carry.
        var plotList = await officer.GetFromJsonAsync<JsonElement>("/v1/plots");
        var plotA = plotList.GetProperty("items").EnumerateArray().Single(p => p.GetProperty("code").GetString() == "Lô A").GetProperty("id").GetString();
        var boundary = new { type = "Polygon", coordinates = new[] { new[] { new[] { 107.89, 14.64 }, new[] { 107.92, 14.64 }, new[] { 107.92, 14.67 }, new[] { 107.89, 14.64 } } } };
        Assert.Equal(HttpStatusCode.OK, (await officer.PatchAsJsonAsync($"/v1/plots/{plotA}", new { name = "Vườn ông Bảy", boundary })).StatusCode);

        // CSV: taken_at in Asia/Ho_Chi_Minh with its offset, and where it came from.
        var csvResponse = await officer.GetAsync($"/v1/surveys/{id}/exports/observations.csv");
        AssertFileNames(csvResponse, "csv", date);
        var csv = await csvResponse.Content.ReadAsStringAsync();
        Assert.Contains(",2026-11-03T08:01:00+07:00,exif,", csv);
        Assert.Contains(",2026-11-03T08:02:00+07:00,exif,", csv);
        Assert.Contains(",upload,", csv); // the photo with no EXIF time took the upload's

        // Excel: typed cells, Vietnamese text, the summary by plot.
        var xlsxResponse = await officer.GetAsync($"/v1/surveys/{id}/exports/observations.xlsx");
        Assert.Equal(HttpStatusCode.OK, xlsxResponse.StatusCode);
        Assert.Equal("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", xlsxResponse.Content.Headers.ContentType!.MediaType);
        AssertFileNames(xlsxResponse, "xlsx", date);
        using (var doc = SpreadsheetDocument.Open(new MemoryStream(await xlsxResponse.Content.ReadAsByteArrayAsync()), false))
        {
            var sheets = Sheets(doc);
            Assert.Equal([ObservationXlsx.ObservationsSheet, ObservationXlsx.PlotsSheet], sheets.Keys.ToArray());
            var rows = sheets[ObservationXlsx.ObservationsSheet];
            Assert.Equal(4, rows.Count);
            var header = rows[0].Select(c => Text(c)).ToList();
            int Col(string name) => header.IndexOf(name) is var i and >= 0 ? i : throw new Xunit.Sdk.XunitException($"no column {name}: {string.Join(", ", header)}");
            var first = rows.Skip(1).Single(r => Text(r[Col("Thời điểm chụp (ISO, có múi giờ)")]) == "2026-11-03T08:01:00+07:00");
            Assert.Equal(Name, Text(first[Col("Điều tra")]));
            Assert.Equal("Bệnh gỉ sắt", Text(first[Col("Tên bệnh")]));
            Assert.Equal("EXIF của ảnh", Text(first[Col("Nguồn thời điểm")]));
            Assert.Equal("Lô A", Text(first[Col("Lô")]));
            Assert.Equal("Cà phê chè (arabica)", Text(first[Col("Cây trồng")]));
            var taken = first[Col("Thời điểm chụp (Asia/Ho_Chi_Minh)")];
            Assert.Equal(CellValues.Number, taken.DataType!.Value);
            Assert.Equal(new DateTime(2026, 11, 3, 8, 1, 0), DateTime.FromOADate(double.Parse(taken.CellValue!.Text, System.Globalization.CultureInfo.InvariantCulture)));
            Assert.True(taken.StyleIndex!.Value > 0); // shown through a date format
            var severity = first[Col("Mức độ")];
            Assert.Equal((CellValues.Number, "2"), (severity.DataType!.Value, severity.CellValue!.Text));
            var latitude = first[Col("Vĩ độ")];
            Assert.Equal(CellValues.Number, latitude.DataType!.Value);
            Assert.Equal(14.65, double.Parse(latitude.CellValue!.Text, System.Globalization.CultureInfo.InvariantCulture), 4);
            Assert.Equal(CellValues.Boolean, first[Col("Đã kiểm tra")].DataType!.Value);
            var plots = sheets[ObservationXlsx.PlotsSheet];
            var plotHeader = plots[0].Select(c => Text(c)).ToList();
            int count = plotHeader.IndexOf("Số quan sát"), plotName = plotHeader.IndexOf("Tên lô"), area = plotHeader.IndexOf("Diện tích (m²)");
            var byPlot = plots.Skip(1).ToDictionary(r => Text(r[0]), r => double.Parse(r[count].CellValue!.Text, System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(new Dictionary<string, double> { ["Lô A"] = 2, ["Lô B"] = 1 }, byPlot);
            var rowA = plots.Skip(1).Single(r => Text(r[0]) == "Lô A");
            Assert.Equal("Vườn ông Bảy", Text(rowA[plotName]));
            Assert.True(double.Parse(rowA[area].CellValue!.Text, System.Globalization.CultureInfo.InvariantCulture) > 100_000); // ~3.2 km x 3.3 km / 2
        }

        // KML 2.2: the two placed observations as points, longitude first.
        var kmlResponse = await officer.GetAsync($"/v1/surveys/{id}/exports/observations.kml");
        Assert.Equal("application/vnd.google-earth.kml+xml", kmlResponse.Content.Headers.ContentType!.MediaType);
        AssertFileNames(kmlResponse, "kml", date);
        var kml = XDocument.Parse(await kmlResponse.Content.ReadAsStringAsync());
        XNamespace k = "http://www.opengis.net/kml/2.2";
        Assert.Equal(k + "kml", kml.Root!.Name);
        var placemarks = kml.Descendants(k + "Placemark").Where(p => p.Descendants(k + "Point").Any()).ToList();
        Assert.Equal(2, placemarks.Count);
        var coordinates = placemarks.Select(p => p.Descendants(k + "coordinates").Single().Value.Split(',').Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray())
            .OrderBy(c => c[1]).ToList();
        Assert.Equal(107.9, coordinates[0][0], 4);
        Assert.Equal(14.65, coordinates[0][1], 4);
        Assert.All(placemarks, p => Assert.Equal("#label-rust", p.Element(k + "styleUrl")!.Value));
        Assert.Contains(kml.Descendants(k + "Style"), s => (string?)s.Attribute("id") == "label-rust");
        Assert.Contains("2026-11-03T08:01:00+07:00", string.Join(" ", placemarks.Select(p => p.Element(k + "description")!.Value)));
        Assert.Equal(Name, kml.Root.Element(k + "Document")!.Element(k + "name")!.Value);
        // Plot A's boundary from its record, as a polygon (lon,lat).
        var outline = Assert.Single(kml.Descendants(k + "Polygon"));
        Assert.StartsWith("107.89,14.64", outline.Descendants(k + "coordinates").Single().Value.Trim());

        // GeoJSON: numeric severity and the count left out.
        var geoResponse = await officer.GetAsync($"/v1/surveys/{id}/exports/observations.geojson");
        AssertFileNames(geoResponse, "geojson", date);
        var fc = await geoResponse.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, fc.GetProperty("properties").GetProperty("without_position").GetInt32());
        Assert.Equal(3, fc.GetProperty("properties").GetProperty("observations").GetInt32());
        Assert.Equal(Name, fc.GetProperty("properties").GetProperty("survey").GetString());
        Assert.All(fc.GetProperty("features").EnumerateArray(), f =>
        {
            Assert.Equal(JsonValueKind.Number, f.GetProperty("properties").GetProperty("severity").ValueKind);
            Assert.Equal(2, f.GetProperty("properties").GetProperty("severity").GetInt32());
            Assert.Equal("exif", f.GetProperty("properties").GetProperty("taken_at_source").GetString());
        });

        // The report: A4, page counter, signature line, an SVG map with the two points, thumbnails inlined; a download.
        var html = await officer.GetStringAsync($"/v1/surveys/{id}/report");
        Assert.Contains("size:A4", html);
        Assert.Contains("counter(page)", html);
        Assert.Contains("Người lập báo cáo", html);
        Assert.Contains("Cà phê chè (arabica)", html); // the crop's Vietnamese name, not "coffee"
        Assert.Contains("(Ký, ghi rõ họ tên)", html);
        var map = html[html.IndexOf("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"map\"", StringComparison.Ordinal)..];
        map = map[..(map.IndexOf("</svg>", StringComparison.Ordinal) + 6)];
        Assert.Equal(2, XDocument.Parse(map).Descendants(XNamespace.Get("http://www.w3.org/2000/svg") + "circle").Count());
        Assert.Contains("1 quan sát không có vị trí", html);
        Assert.Contains("data:image/jpeg;base64,", html);
        Assert.Contains("2026-11-03T08:01:00+07:00", html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("href=", html); // no link that needs a sign-in
        var download = await officer.GetAsync($"/v1/surveys/{id}/report?download=1");
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition!.DispositionType);
        AssertFileNames(download, "html", date);
        Assert.Null((await officer.GetAsync($"/v1/surveys/{id}/report")).Content.Headers.ContentDisposition);
    }

    private static void AssertFileNames(HttpResponseMessage response, string extension, string date)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var disposition = response.Content.Headers.ContentDisposition!;
        Assert.Equal($"dieu-tra-benh-la-ca-phe-{date}.{extension}", disposition.FileName!.Trim('"'));
        Assert.Null(disposition.FileNameStar); // one name, the transliterated one, whatever the client reads
    }

    private static Dictionary<string, List<List<Cell>>> Sheets(SpreadsheetDocument doc)
    {
        var book = doc.WorkbookPart!;
        return book.Workbook.Sheets!.Elements<Sheet>().ToDictionary(s => s.Name!.Value!, s =>
            ((WorksheetPart)book.GetPartById(s.Id!)).Worksheet.GetFirstChild<SheetData>()!.Elements<Row>().Select(r => r.Elements<Cell>().ToList()).ToList());
    }

    private static string Text(Cell c) => c.DataType?.Value == CellValues.InlineString ? c.InlineString!.InnerText : c.CellValue?.Text ?? "";
}

/// <summary>File names, the time zone setting: no service needed, or one that must not start.</summary>
[Trait("Category", "Fast")]
public sealed class ExportNameTests
{
    [Theory]
    [InlineData("Điều tra bệnh lá cà phê", "dieu-tra-benh-la-ca-phe")]
    [InlineData("Khảo sát gỉ sắt Đắk Hà  (đợt 2)", "khao-sat-gi-sat-dak-ha-dot-2")]
    [InlineData("ỨNG DỤNG Ở KON TUM", "ung-dung-o-kon-tum")]
    [InlineData("///", "")]
    public void Slug_transliterates_Vietnamese(string name, string slug) => Assert.Equal(slug, ExportFiles.Slug(name));

    [Fact]
    public void A_bad_time_zone_stops_the_service_with_the_setting_named()
    {
        var settings = ServiceFactory.Defaults(ServiceFactory.CommittedModels);
        settings["Region:TimeZone"] = "Asia/Kon_Tum_Nowhere";
        using var factory = new ServiceFactory(settings);
        var e = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
        Assert.Contains("Region:TimeZone 'Asia/Kon_Tum_Nowhere'", e.ToString());
    }

    [Fact]
    public void Local_times_carry_the_region_offset()
    {
        var time = new RegionTime(Microsoft.Extensions.Options.Options.Create(new RegionOptions()));
        Assert.Equal("2026-11-03T08:01:00+07:00", time.Iso(new DateTimeOffset(2026, 11, 3, 1, 1, 0, TimeSpan.Zero)));
        var utc = new RegionTime(Microsoft.Extensions.Options.Options.Create(new RegionOptions { TimeZone = "UTC" }));
        Assert.Equal("2026-11-03T01:01:00+00:00", utc.Iso(new DateTimeOffset(2026, 11, 3, 8, 1, 0, TimeSpan.FromHours(7))));
    }
}
