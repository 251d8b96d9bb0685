using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CropVision.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CropVision.Tests.Browser;

/// <summary>
/// The survey page's own controls in Chromium: edit the survey, download Excel, KML and the report with the survey's name,
/// close it (after a question), and delete it after a question that says how many observations go.
/// </summary>
[Trait("Category", "Browser")]
public sealed class SurveyManageTests(WebAppFixture app) : IClassFixture<WebAppFixture>
{
    [BrowserFact(needsBracol: false)]
    public async Task Officer_edits_exports_closes_and_deletes_a_survey_from_its_page()
    {
        using var api = new HttpClient { BaseAddress = new Uri(app.BaseUrl) };
        var token = await api.PostAsJsonAsync("/v1/auth/token", new { userName = OfficerService.AdminUser, password = OfficerService.AdminPassword });
        api.DefaultRequestHeaders.Authorization = new("Bearer", (await token.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString());
        var id = (await SurveyRequests.CreateSurveyAsync(api, "Điều tra bệnh lá cà phê")).GetProperty("id").GetString();
        for (int i = 0; i < 2; i++)
        {
            var form = SurveyRequests.Photos((ServiceRequests.LeafJpeg(70 + i), $"{i}.jpg"));
            form.Add(new StringContent("14.66"), "latitude");
            form.Add(new StringContent($"107.9{i}"), "longitude");
            Assert.Equal(HttpStatusCode.Created, (await api.PostAsync($"/v1/surveys/{id}/observations", form)).StatusCode);
        }

        await using var desk = await app.NewDesktopAsync();
        var page = await desk.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        await page.GotoAsync("/officer/");
        await page.GetByTestId("user").FillAsync(OfficerService.AdminUser);
        await page.GetByTestId("password").FillAsync(OfficerService.AdminPassword);
        await page.GetByTestId("sign-in").ClickAsync();
        await Expect(page.GetByTestId("nav-accounts")).ToBeVisibleAsync();
        await page.GotoAsync($"/officer/#/surveys/{id}");
        await Expect(page.GetByTestId("survey-title")).ToHaveTextAsync("Điều tra bệnh lá cà phê");
        await Expect(page.GetByTestId("manage")).ToContainTextAsync(WebStrings.Vi("officer.manage"));

        // Edit: the name changes on the page and in the store.
        await page.GetByTestId("edit-survey").ClickAsync();
        await page.GetByTestId("edit-name").FillAsync("Điều tra bệnh lá cà phê đợt 2");
        await page.GetByTestId("edit-save").ClickAsync();
        await Expect(page.GetByTestId("survey-title")).ToHaveTextAsync("Điều tra bệnh lá cà phê đợt 2");

        // Excel and KML from their buttons, saved under the transliterated name.
        var xlsx = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("export-xlsx").ClickAsync());
        Assert.StartsWith("dieu-tra-benh-la-ca-phe-dot-2-", xlsx.SuggestedFilename);
        Assert.EndsWith(".xlsx", xlsx.SuggestedFilename);
        var kml = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("export-kml").ClickAsync());
        Assert.EndsWith(".kml", kml.SuggestedFilename);
        var report = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("export-report-download").ClickAsync());
        Assert.EndsWith(".html", report.SuggestedFilename);
        Assert.Contains("Người lập báo cáo", await File.ReadAllTextAsync((await report.PathAsync())!));

        // Close: asks first; afterwards the page says so and offers no upload or edit.
        await page.GetByTestId("close-survey").ClickAsync();
        await Expect(page.GetByTestId("close-confirm")).ToContainTextAsync(WebStrings.Vi("officer.closeConfirm"));
        await page.GetByTestId("close-confirm-yes").ClickAsync();
        await Expect(page.GetByTestId("closed-note")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("upload-input")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("edit-survey")).ToHaveCountAsync(0);
        Assert.True((await api.GetFromJsonAsync<JsonElement>($"/v1/surveys/{id}")).GetProperty("closed").GetBoolean());

        // Delete: the question names the survey and the 2 observations; "Hủy" keeps it, the red button deletes it.
        await page.GetByTestId("delete-survey").ClickAsync();
        var question = page.GetByTestId("delete-confirm");
        await Expect(question).ToContainTextAsync("2 quan sát");
        await Expect(question).ToContainTextAsync("Điều tra bệnh lá cà phê đợt 2");
        await page.GetByTestId("delete-confirm-no").ClickAsync();
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync($"/v1/surveys/{id}")).StatusCode);
        await page.GetByTestId("delete-survey").ClickAsync();
        await page.GetByTestId("delete-confirm-yes").ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("#/$"));
        await Expect(page.GetByText("Điều tra bệnh lá cà phê đợt 2")).ToHaveCountAsync(0);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/v1/surveys/{id}")).StatusCode);
        Assert.Empty(errors);
    }
}
