using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CropVision.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CropVision.Tests.Browser;

/// <summary>
/// The officer pages in headless Chromium against the real service on Kestrel, with no map tiles (a closed machine):
/// sign in, create a survey, upload three real BRACOL photos with GPS written into their EXIF, see three points on the
/// map, review one with a tap, download the CSV and GeoJSON and check what they hold.
/// </summary>
[Trait("Category", "Browser")]
public sealed class OfficerPagesTests(WebAppFixture app) : IClassFixture<WebAppFixture>
{
    [BrowserFact]
    public async Task Officer_signs_in_creates_a_survey_uploads_photos_sees_the_map_reviews_and_exports()
    {
        // Three real leaves, each with a position in Kon Tum written into its EXIF, as a phone camera would.
        using var folder = new TempFolder();
        var points = new[] { (14.6601, 107.9101), (14.6652, 107.9183), (14.6710, 107.9250) };
        var leaves = Directory.EnumerateFiles(Path.Combine(SharedData.Bracol, "rust"), "*.jpg").Order(StringComparer.Ordinal).Take(3).ToList();
        var photos = leaves.Select((leaf, i) =>
        {
            var path = folder.Sub($"IMG_{i + 1}.jpg");
            File.WriteAllBytes(path, ExifWriter.WithExif(File.ReadAllBytes(leaf), new DateTime(2026, 11, 18, 8, i, 0), points[i].Item1, points[i].Item2));
            return path;
        }).ToArray();

        await using var desk = await app.NewDesktopAsync();
        var page = await desk.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        await page.GotoAsync("/officer/");

        await page.GetByTestId("user").FillAsync(OfficerService.AdminUser);
        await page.GetByTestId("password").FillAsync("wrong password");
        await page.GetByTestId("sign-in").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync(WebStrings.Vi("officer.signInWrong")); // in Vietnamese, not the API's English
        await page.GetByTestId("password").FillAsync(OfficerService.AdminPassword);
        await page.GetByTestId("sign-in").ClickAsync();

        await page.GetByTestId("survey-name").FillAsync("Gỉ sắt Hà Mòn tháng 11");
        await page.GetByTestId("survey-commune").FillAsync("Hà Mòn");
        await page.GetByTestId("create-survey").ClickAsync();
        await Expect(page.GetByTestId("survey-title")).ToHaveTextAsync("Gỉ sắt Hà Mòn tháng 11");

        await page.GetByTestId("upload-plot").FillAsync("P-01");
        await page.GetByTestId("upload-input").SetInputFilesAsync(photos);
        await Expect(page.GetByTestId("observation-row")).ToHaveCountAsync(3, new() { Timeout = 90_000 });
        await Expect(page.GetByTestId("upload-status")).ToContainTextAsync("3");

        // Three points on the map, drawn with no tiles.
        await Expect(page.Locator(".obs-point")).ToHaveCountAsync(3);
        Assert.Equal(0, await page.Locator(".leaflet-tile").CountAsync());

        // One tap confirms the model's answer for the first observation.
        await page.GetByTestId("observation-row").First.GetByTestId("confirm").ClickAsync();
        await Expect(page.GetByTestId("observation-row").First.GetByTestId("reviewed")).ToBeVisibleAsync();
        await page.ReloadAsync();
        await Expect(page.GetByTestId("agreement")).ToContainTextAsync("1/1"); // the review shows in the model-officer table
        if (Environment.GetEnvironmentVariable("CROPVISION_SCREENSHOTS") is { Length: > 0 } shots)
        {
            Directory.CreateDirectory(shots);
            await page.ScreenshotAsync(new() { Path = Path.Combine(shots, "officer-survey-vi.png"), FullPage = true });
        }

        var csvDownload = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("export-csv").ClickAsync());
        var csvBytes = await File.ReadAllBytesAsync((await csvDownload.PathAsync())!);
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, csvBytes[..3]);
        var csv = Encoding.UTF8.GetString(csvBytes, 3, csvBytes.Length - 3).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
        Assert.Equal(4, csv.Count);
        var header = csv[0].Split(',').ToList();
        var rows = csv.Skip(1).Select(l => l.Split(',')).ToList();
        Assert.All(rows, r => Assert.Equal("P-01", r[header.IndexOf("plot")]));
        Assert.All(rows, r => Assert.Equal("exif", r[header.IndexOf("position_source")]));
        Assert.Single(rows, r => r[header.IndexOf("reviewed")] is "True" or "true");
        Assert.Contains("Gỉ sắt Hà Mòn tháng 11", csv[1]);

        var geoDownload = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("export-geojson").ClickAsync());
        using var geo = JsonDocument.Parse(await File.ReadAllBytesAsync((await geoDownload.PathAsync())!));
        var features = geo.RootElement.GetProperty("features").EnumerateArray().ToList();
        Assert.Equal("FeatureCollection", geo.RootElement.GetProperty("type").GetString());
        Assert.Equal(3, features.Count);
        var coordinates = features.Select(f => f.GetProperty("geometry").GetProperty("coordinates")).Select(c => (Lat: c[1].GetDouble(), Lon: c[0].GetDouble())).OrderBy(c => c.Lat).ToList();
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(points[i].Item1, coordinates[i].Lat, 4);
            Assert.Equal(points[i].Item2, coordinates[i].Lon, 4);
        }

        // A zip from the field: imported in the background with a progress bar; the bad file is listed.
        var zipPath = folder.Sub("day2.zip");
        var extra = Directory.EnumerateFiles(Path.Combine(SharedData.Bracol, "miner"), "*.jpg").Order(StringComparer.Ordinal).Take(2)
            .Select((f, i) => ($"day2/IMG_{i}.jpg", File.ReadAllBytes(f))).Append(("day2/notes.txt", "ghi chép"u8.ToArray())).ToArray();
        File.WriteAllBytes(zipPath, SurveyRequests.Zip(extra));
        await page.GetByTestId("upload-input").SetInputFilesAsync(zipPath);
        await Expect(page.GetByTestId("observation-row")).ToHaveCountAsync(5, new() { Timeout = 90_000 });
        await Expect(page.GetByTestId("upload-problems")).ToContainTextAsync("day2/notes.txt");

        // The admin creates an officer account from the accounts page.
        await page.GetByTestId("nav-accounts").ClickAsync();
        await Expect(page.GetByTestId("account-row")).ToHaveCountAsync(1);
        await page.GetByTestId("account-user").FillAsync("lan");
        await page.GetByTestId("account-password").FillAsync("a-long-password-1");
        await page.GetByTestId("account-team").FillAsync("north");
        await page.GetByTestId("create-account").ClickAsync();
        await Expect(page.GetByTestId("account-row")).ToHaveCountAsync(2);
        await Expect(page.GetByTestId("account-message")).ToContainTextAsync("lan");
        Assert.Empty(errors);
    }

    [BrowserFact(needsBracol: false)]
    public async Task A_plot_code_with_html_is_shown_as_text_on_the_map()
    {
        // Leaflet puts a string tooltip in with innerHTML: this plot code was a live link on the officer's map.
        const string plot = "<a href=//evil.example/login>Session expired</a>";
        using var api = new HttpClient { BaseAddress = new Uri(app.BaseUrl) };
        var token = await api.PostAsJsonAsync("/v1/auth/token", new { userName = OfficerService.AdminUser, password = OfficerService.AdminPassword });
        api.DefaultRequestHeaders.Authorization = new("Bearer", (await token.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString());
        var id = (await SurveyRequests.CreateSurveyAsync(api, "html plot")).GetProperty("id").GetString();
        var form = SurveyRequests.Photos((ServiceRequests.LeafJpeg(31), "a.jpg"));
        form.Add(new StringContent(plot), "plot");
        form.Add(new StringContent("14.66"), "latitude");
        form.Add(new StringContent("107.91"), "longitude");
        Assert.Equal(System.Net.HttpStatusCode.Created, (await api.PostAsync($"/v1/surveys/{id}/observations", form)).StatusCode);

        await using var desk = await app.NewDesktopAsync();
        var page = await desk.NewPageAsync();
        await page.GotoAsync("/officer/");
        await page.GetByTestId("user").FillAsync(OfficerService.AdminUser);
        await page.GetByTestId("password").FillAsync(OfficerService.AdminPassword);
        await page.GetByTestId("sign-in").ClickAsync();
        await Expect(page.GetByTestId("nav-accounts")).ToBeVisibleAsync();
        await page.GotoAsync($"/officer/#/surveys/{id}");
        await page.Locator(".obs-point").HoverAsync();

        var tooltip = page.Locator(".leaflet-tooltip");
        await Expect(tooltip).ToContainTextAsync(plot);
        Assert.Equal(0, await tooltip.Locator("a").CountAsync());
        Assert.Equal(0, await page.Locator("a[href*='evil.example']").CountAsync());
    }
}
