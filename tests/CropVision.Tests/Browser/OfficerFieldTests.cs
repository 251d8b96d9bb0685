using System.Net.Http.Json;
using System.Text.Json;
using CropVision.FieldStore.Model;
using CropVision.FieldStore.Observations;
using CropVision.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static CropVision.Tests.Browser.OfficerBrowser;
using static Microsoft.Playwright.Assertions;

namespace CropVision.Tests.Browser;

/// <summary>
/// The officer pages in the field (issue 18): every page fits a 390 px phone and a 1366 px laptop with no sideways
/// scrolling and no English on a Vietnamese page (also after a refused upload and a bad form); a capture made with no
/// signal is sent once when back; a survey of 252 observations shows all of them, on the list and on the map.
/// </summary>
[Trait("Category", "Browser")]
public sealed class OfficerFieldTests(WebAppFixture app) : IClassFixture<WebAppFixture>
{
    /// <summary>A survey of <paramref name="count"/> observations (small painted photos, model answers given: no model run).</summary>
    private async Task<Guid> SeedSurveyAsync(int count, int seed)
    {
        var photos = Enumerable.Range(0, count).Select(i => new FieldPhotos.Photo(StorePhotos.Jpeg(seed + i, 48, 24), $"P-{i % 10:D2}", null,
            ModelLabel: i % 3 == 0 ? "healthy" : "rust", ModelStatus: i % 4 == 0 ? "uncertain" : "ok"));
        return await FieldPhotos.AddSurveyAsync(app.Service.Services, "coffee", photos);
    }

    [BrowserFact(needsBracol: false)]
    public async Task Every_officer_page_fits_a_phone_and_a_laptop_and_shows_no_English()
    {
        var id = await SeedSurveyAsync(6, 10_000);
        foreach (var size in new[] { (360, 640), Phone, Laptop })
        {
            await using var context = await NewContextAsync(app, size);
            var login = await context.NewPageAsync();
            var errors = new List<string>();
            login.PageError += (_, e) => errors.Add(e);
            await login.GotoAsync("/officer/");
            await Expect(login.GetByTestId("sign-in")).ToBeVisibleAsync();
            await CheckAsync(login, "sign-in");
            await login.CloseAsync();

            var page = await SignInAsync(context);
            page.PageError += (_, e) => errors.Add(e);
            await Expect(page.GetByTestId("survey-list")).ToBeVisibleAsync();
            await CheckAsync(page, "survey list");

            // A bad form: the survey ends before it starts. The page says so in Vietnamese, not the API's English.
            await page.GetByTestId("survey-name").FillAsync("Ngày ngược");
            await page.GetByTestId("survey-starts").FillAsync("2026-11-21");
            await page.GetByTestId("survey-ends").FillAsync("2026-11-17");
            await page.GetByTestId("create-survey").ClickAsync();
            await Expect(page.GetByTestId("survey-error")).ToContainTextAsync(WebStrings.Vi("problem.survey-dates-reversed"));
            await CheckAsync(page, "survey list after a bad form");

            await page.GotoAsync($"/officer/#/surveys/{id}");
            await Expect(page.GetByTestId("observation-row")).ToHaveCountAsync(6);
            await CheckAsync(page, "survey page");
            if (size == Phone && Environment.GetEnvironmentVariable("CROPVISION_SCREENSHOTS") is { Length: > 0 } shots)
            {
                Directory.CreateDirectory(shots);
                await page.EvaluateAsync("window.scrollTo(0, 0)");
                await page.ScreenshotAsync(new() { Path = Path.Combine(shots, "officer-phone-vi.png") });
            }
            // A refused upload (a text file named .jpg): listed in Vietnamese.
            await page.GetByTestId("upload-input").SetInputFilesAsync(new FilePayload { Name = "ghi-chu.jpg", MimeType = "image/jpeg", Buffer = "không phải ảnh"u8.ToArray() });
            await Expect(page.GetByTestId("upload-status")).ToContainTextAsync(WebStrings.Vi("problem.image-unsupported"));
            await CheckAsync(page, "survey page after a refused upload");

            await page.GetByTestId("nav-review").ClickAsync();
            await Expect(page.GetByTestId("review-row").First).ToBeVisibleAsync();
            await CheckAsync(page, "review queue");

            await page.GetByTestId("nav-accounts").ClickAsync();
            await Expect(page.GetByTestId("account-row").First).ToBeVisibleAsync();
            await CheckAsync(page, "accounts");
            Assert.Empty(errors);
        }
    }

    private static async Task CheckAsync(IPage page, string where)
    {
        await AssertNoSidewaysScrollAsync(page, where);
        var english = await EnglishOnPageAsync(page);
        Assert.True(english.Length == 0, $"{where} at {page.ViewportSize?.Width} px shows English: {string.Join(" | ", english)}");
    }

    [BrowserFact(needsBracol: false)]
    public async Task A_capture_made_offline_is_sent_once_when_back_online()
    {
        using var api = await ApiAsync(app);
        var id = (await SurveyRequests.CreateSurveyAsync(api, "Thu thập ngoài đồng")).GetProperty("id").GetString();
        await using var phone = await NewContextAsync(app, Phone, new Geolocation { Latitude = 14.6612f, Longitude = 107.9134f, Accuracy = 15 });
        var page = await SignInAsync(phone);
        await page.GotoAsync($"/officer/#/surveys/{id}");
        await Expect(page.GetByTestId("survey-title")).ToHaveTextAsync("Thu thập ngoài đồng");
        await page.EvaluateAsync("navigator.serviceWorker.ready");
        await page.WaitForFunctionAsync("navigator.serviceWorker.controller !== null", null, new() { Timeout = 30_000 });
        await page.ReloadAsync(); // now through the service worker, which keeps the answers
        await Expect(page.GetByTestId("queue-count")).ToHaveAttributeAsync("data-count", "0");
        await page.GotoAsync("/officer/#/"); // the survey list too
        await Expect(page.GetByTestId("survey-list")).ToContainTextAsync("Thu thập ngoài đồng");

        // No signal: the pages open from the shell and show the list and the survey as saved, and say so.
        await phone.SetOfflineAsync(true);
        await page.ReloadAsync();
        await Expect(page.GetByTestId("survey-list")).ToContainTextAsync("Thu thập ngoài đồng");
        await Expect(page.GetByTestId("saved-notice")).ToBeVisibleAsync();
        await page.GotoAsync($"/officer/#/surveys/{id}");
        await Expect(page.GetByTestId("survey-title")).ToHaveTextAsync("Thu thập ngoài đồng");
        await Expect(page.GetByTestId("saved-notice")).ToBeVisibleAsync();

        await page.GetByTestId("capture-locate").ClickAsync();
        await Expect(page.GetByTestId("capture-position")).ToContainTextAsync("± 15 m");
        await page.GetByTestId("capture-plot").FillAsync("Lô B");
        await page.GetByTestId("capture-notes").FillAsync("lá vàng");
        var photo = ServiceRequests.LeafJpeg(77);
        await page.GetByTestId("capture-photo").SetInputFilesAsync(new FilePayload { Name = "IMG_0001.jpg", MimeType = "image/jpeg", Buffer = photo });
        await page.GetByTestId("capture-save").ClickAsync();
        await Expect(page.GetByTestId("queue-count")).ToHaveAttributeAsync("data-count", "1");

        // The first send reached the service but its answer was lost (simulated: the queued capture's key, fields and
        // photo, sent from here); the page then sends it again.
        var queued = await page.EvaluateAsync<JsonElement>(@"() => new Promise((resolve, reject) => {
            const open = indexedDB.open('cropvision-officer');
            open.onsuccess = () => { const all = open.result.transaction('captures').objectStore('captures').getAll();
              all.onsuccess = () => resolve({ key: all.result[0].key, fields: all.result[0].fields }); all.onerror = reject; };
            open.onerror = reject; })");
        var form = SurveyRequests.Photos((photo, "IMG_0001.jpg"));
        foreach (var field in queued.GetProperty("fields").EnumerateObject())
            form.Add(new StringContent(field.Value.ValueKind == JsonValueKind.Number ? field.Value.GetRawText() : field.Value.GetString() ?? ""), field.Name);
        using var lost = new HttpRequestMessage(HttpMethod.Post, $"/v1/surveys/{id}/observations") { Content = form };
        lost.Headers.Add("Idempotency-Key", queued.GetProperty("key").GetString());
        Assert.Equal(System.Net.HttpStatusCode.Created, (await api.SendAsync(lost)).StatusCode);

        await phone.SetOfflineAsync(false);
        await Expect(page.GetByTestId("queue-count")).ToHaveAttributeAsync("data-count", "0", new() { Timeout = 60_000 });
        await Expect(page.GetByTestId("observation-row")).ToHaveCountAsync(1);
        await page.ReloadAsync(); // a page open sends whatever waits: nothing does
        await Expect(page.GetByTestId("observation-row")).ToHaveCountAsync(1);

        var list = await api.GetFromJsonAsync<JsonElement>($"/v1/surveys/{id}/observations");
        Assert.Equal(1, list.GetProperty("total").GetInt32());
        var o = list.GetProperty("items")[0];
        Assert.Equal("Lô B", o.GetProperty("plotCode").GetString());
        Assert.Equal(14.6612, o.GetProperty("latitude").GetDouble(), 3);
        Assert.Equal("client", o.GetProperty("positionSource").GetString());
        Assert.Equal("lá vàng", o.GetProperty("notes").GetString());

        // A capture the API refuses for good (not a photo) stays listed with the reason in Vietnamese until dropped.
        await page.GetByTestId("capture-photo").SetInputFilesAsync(new FilePayload { Name = "ghi-chu.jpg", MimeType = "image/jpeg", Buffer = "không phải ảnh"u8.ToArray() });
        await page.GetByTestId("capture-save").ClickAsync();
        var refused = page.GetByTestId("queue-refused");
        await Expect(refused).ToContainTextAsync(WebStrings.Vi("problem.image-unsupported"));
        Assert.Empty(await EnglishOnPageAsync(page));
        await refused.GetByRole(AriaRole.Button).ClickAsync();
        await Expect(refused).ToBeHiddenAsync();
        Assert.Equal(1, (await api.GetFromJsonAsync<JsonElement>($"/v1/surveys/{id}/observations")).GetProperty("total").GetInt32());
    }

    [BrowserFact(needsBracol: false)]
    public async Task A_survey_of_252_shows_all_of_them_on_the_list_and_the_map()
    {
        var id = await SeedSurveyAsync(252, 20_000);
        await using var desk = await NewContextAsync(app, Laptop);
        var page = await SignInAsync(desk);
        await page.GotoAsync($"/officer/#/surveys/{id}");
        var shown = (int n) => WebStrings.Vi("officer.shown").Replace("{shown}", n.ToString()).Replace("{total}", "252");
        await Expect(page.GetByTestId("observation-count")).ToHaveTextAsync(shown(100));
        await page.GetByTestId("more").ClickAsync();
        await Expect(page.GetByTestId("observation-count")).ToHaveTextAsync(shown(200));
        await page.GetByTestId("more").ClickAsync();
        await Expect(page.GetByTestId("observation-count")).ToHaveTextAsync(shown(252));
        await Expect(page.GetByTestId("observation-row")).ToHaveCountAsync(252);
        await Expect(page.GetByTestId("more")).ToBeHiddenAsync();

        // The map holds every point: those drawn alone plus those counted in clusters.
        await Expect(page.GetByTestId("map-count")).ToContainTextAsync("252");
        var onMap = await page.EvaluateAsync<int>(@"() => document.querySelectorAll('.obs-point').length
            + [...document.querySelectorAll('.marker-cluster span')].reduce((n, s) => n + Number(s.textContent), 0)");
        Assert.Equal(252, onMap);
        await Expect(page.GetByTestId("map-legend")).ToContainTextAsync("Bệnh gỉ sắt");

        // A filter by plot: P-03 holds every tenth observation from the fourth (25 of 252).
        await page.Locator("details.card summary").ClickAsync();
        await page.GetByTestId("filter-plot").FillAsync("P-03");
        await page.GetByTestId("filter-apply").ClickAsync();
        await Expect(page.GetByTestId("observation-count")).ToHaveTextAsync(WebStrings.Vi("officer.shown").Replace("{shown}", "25").Replace("{total}", "25"));
        await Expect(page.GetByTestId("observation-row")).ToHaveCountAsync(25);
        // By date: every photo was taken on 2 November (local time), so a range from the 3rd holds none; cleared, all again.
        await page.GetByTestId("filter-plot").FillAsync("");
        await page.GetByTestId("filter-from").FillAsync("2026-11-03");
        await page.GetByTestId("filter-apply").ClickAsync();
        await Expect(page.GetByTestId("observation-count")).ToHaveTextAsync(WebStrings.Vi("officer.shown").Replace("{shown}", "0").Replace("{total}", "0"));
        await page.GetByTestId("filter-from").FillAsync("2026-11-02");
        await page.GetByTestId("filter-to").FillAsync("2026-11-02");
        await page.GetByTestId("filter-apply").ClickAsync();
        await Expect(page.GetByTestId("observation-count")).ToHaveTextAsync(shown(100));

        // The review queue pages too: the next page adds rows it did not show yet.
        await page.GetByTestId("nav-review").ClickAsync();
        await Expect(page.GetByTestId("review-row")).ToHaveCountAsync(50);
        await page.GetByTestId("review-more").ClickAsync();
        await Expect(page.GetByTestId("review-row")).ToHaveCountAsync(100);
        var photos = await page.GetByTestId("review-row").Locator("img").EvaluateAllAsync<string[]>("imgs => imgs.map((i) => i.getAttribute('src'))");
        Assert.Equal(100, photos.Distinct().Count());
    }
}
