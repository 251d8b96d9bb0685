using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CropVision.Tests.Support;
using static CropVision.Tests.Support.ServiceRequests;

namespace CropVision.Tests.Api.Surveys;

/// <summary>Summary, CSV, GeoJSON and the HTML report through HTTP, on both providers.</summary>
[Trait("Category", "Postgres")]
public sealed class ReportTests(OfficerServices services) : IClassFixture<OfficerServices>
{
    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Summary_and_exports_reflect_observations_and_reviews(string provider)
    {
        var service = await services.GetAsync(provider);
        using var officer = await service.NewOfficerAsync("north");
        var survey = await SurveyRequests.CreateSurveyAsync(officer, "Khảo sát gỉ sắt Đắk Hà");
        var id = survey.GetProperty("id").GetString();
        var url = $"/v1/surveys/{id}/observations";

        // Empty survey: a summary with zeros and no agreement, and exports with no rows.
        var empty = await officer.GetFromJsonAsync<JsonElement>($"/v1/surveys/{id}/summary");
        Assert.Equal(0, empty.GetProperty("overall").GetProperty("observations").GetInt32());
        Assert.Equal(JsonValueKind.Null, empty.GetProperty("agreement").ValueKind);

        var ids = new List<string>();
        var plots = new[] { "A", "A", "B" };
        for (int i = 0; i < 3; i++)
        {
            var photo = i < 2 ? ExifWriter.WithExif(LeafJpeg(40 + i), new DateTime(2026, 11, 18, 9, i, 0), 14.65 + i * 0.01, 107.9 + i * 0.01) : LeafJpeg(42);
            var form = SurveyRequests.Photos((photo, $"{i}.jpg"));
            form.Add(new StringContent(plots[i]), "plot");
            if (i == 0) form.Add(new StringContent("=HYPERLINK(\"http://evil\")"), "notes");
            var r = await officer.PostAsync(url, form);
            Assert.Equal(HttpStatusCode.Created, r.StatusCode);
            ids.Add((await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);
        }
        // Review all three as rust, grade 2 (whatever the model said): the summary's counts are then known exactly.
        foreach (var o in ids)
            Assert.Equal(HttpStatusCode.OK, (await officer.PatchAsJsonAsync($"{url}/{o}", new { confirmedLabel = "rust", confirmedSeverity = "2" })).StatusCode);

        var summary = await officer.GetFromJsonAsync<JsonElement>($"/v1/surveys/{id}/summary");
        var overall = summary.GetProperty("overall");
        Assert.Equal((3, 3, 1.0, 3), (overall.GetProperty("observations").GetInt32(), overall.GetProperty("reviewed").GetInt32(),
            overall.GetProperty("reviewedShare").GetDouble(), overall.GetProperty("assessed").GetInt32()));
        Assert.Equal(1.0, overall.GetProperty("incidence").GetProperty("rust").GetDouble());
        Assert.Equal(0.0, overall.GetProperty("incidence").GetProperty("healthy").GetDouble());
        Assert.Equal(3, overall.GetProperty("severity").GetProperty("2").GetInt32());
        Assert.Equal(2.0, overall.GetProperty("meanSeverity").GetDouble());
        var byPlot = summary.GetProperty("byPlot").EnumerateArray().ToDictionary(p => p.GetProperty("key").GetString()!, p => p.GetProperty("observations").GetInt32());
        Assert.Equal(new Dictionary<string, int> { ["A"] = 2, ["B"] = 1 }, byPlot);
        Assert.Equal("Hà Mòn", summary.GetProperty("byCommune")[0].GetProperty("key").GetString());
        var agreement = summary.GetProperty("agreement");
        Assert.Equal(3, agreement.GetProperty("reviewed").GetInt32());
        var labels = agreement.GetProperty("labels").EnumerateArray().Select(l => l.GetString()).ToList();
        var rustRow = agreement.GetProperty("matrix")[labels.IndexOf("rust")].EnumerateArray().Sum(v => v.GetInt32());
        Assert.Equal(3, rustRow); // every officer verdict was rust, whatever the model said
        Assert.Equal(agreement.GetProperty("agreed").GetInt32(), agreement.GetProperty("matrix")[labels.IndexOf("rust")][labels.IndexOf("rust")].GetInt32());

        // CSV: UTF-8 with BOM, Vietnamese intact, one row per observation, formulas escaped.
        var csvResponse = await officer.GetAsync($"/v1/surveys/{id}/exports/observations.csv");
        Assert.Equal(HttpStatusCode.OK, csvResponse.StatusCode);
        Assert.Equal("text/csv", csvResponse.Content.Headers.ContentType!.MediaType);
        Assert.Contains(".csv", csvResponse.Content.Headers.ContentDisposition!.FileName);
        var csvBytes = await csvResponse.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, csvBytes[..3]);
        var csv = Encoding.UTF8.GetString(csvBytes, 3, csvBytes.Length - 3);
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
        Assert.Equal(4, lines.Count);
        Assert.StartsWith("id,survey,crop,taken_at,", lines[0]);
        Assert.Contains("Khảo sát gỉ sắt Đắk Hà", csv);
        Assert.Contains("Bệnh gỉ sắt", csv); // the Vietnamese label name
        Assert.DoesNotContain(",=HYPERLINK", csv);

        // GeoJSON: the two photos with a position, as [lon, lat] points with properties.
        var geo = await officer.GetAsync($"/v1/surveys/{id}/exports/observations.geojson");
        Assert.Equal("application/geo+json", geo.Content.Headers.ContentType!.MediaType);
        var fc = await geo.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("FeatureCollection", fc.GetProperty("type").GetString());
        var features = fc.GetProperty("features").EnumerateArray().ToList();
        Assert.Equal(2, features.Count);
        var coordinates = features.Select(f => f.GetProperty("geometry").GetProperty("coordinates")).Select(c => (c[0].GetDouble(), c[1].GetDouble())).OrderBy(c => c.Item2).ToList();
        Assert.Equal(107.9, coordinates[0].Item1, 4);
        Assert.Equal(14.65, coordinates[0].Item2, 4);
        Assert.All(features, f => Assert.Equal("rust", f.GetProperty("properties").GetProperty("label").GetString()));

        // Report: printable HTML with an SVG chart, Vietnamese by default, English on request.
        var report = await officer.GetAsync($"/v1/surveys/{id}/report");
        Assert.Equal("text/html", report.Content.Headers.ContentType!.MediaType);
        var html = await report.Content.ReadAsStringAsync();
        Assert.Contains("<svg", html);
        Assert.Contains("Báo cáo điều tra", html);
        Assert.Contains($"{agreement.GetProperty("agreed").GetInt32()}/3", html); // the agreement line
        Assert.Contains("Survey report", await officer.GetStringAsync($"/v1/surveys/{id}/report?lang=en"));

        using var other = await service.NewOfficerAsync("south");
        await Problem(await other.GetAsync($"/v1/surveys/{id}/summary"), HttpStatusCode.NotFound);
        await Problem(await other.GetAsync($"/v1/surveys/{id}/exports/observations.csv"), HttpStatusCode.NotFound);
    }
}
