using System.Net.Http.Json;
using System.Text.Json;
using CropVision.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CropVision.Tests.Browser;

/// <summary>Officer-page helpers for browser tests: contexts at a given viewport, sign-in, overflow and language checks.</summary>
public static class OfficerBrowser
{
    public static readonly (int Width, int Height) Phone = (390, 844), Laptop = (1366, 768);

    /// <summary>A fresh context at the viewport (a phone: touch, mobile, position allowed), with service workers.</summary>
    public static Task<IBrowserContext> NewContextAsync(WebAppFixture app, (int Width, int Height) size, Geolocation? position = null) =>
        app.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = size.Width, Height = size.Height },
            IsMobile = size.Width < 640, HasTouch = size.Width < 640, Locale = "vi-VN", TimezoneId = "Asia/Ho_Chi_Minh", BaseURL = app.BaseUrl,
            ServiceWorkers = ServiceWorkerPolicy.Allow, AcceptDownloads = true,
            Geolocation = position, Permissions = position is null ? null : ["geolocation"],
        });

    public static async Task<IPage> SignInAsync(IBrowserContext context)
    {
        var page = await context.NewPageAsync();
        page.Console += (_, m) => { if (m.Type == "error") Console.Error.WriteLine($"[officer page] {m.Text}"); };
        await page.GotoAsync("/officer/");
        await page.GetByTestId("user").FillAsync(OfficerService.AdminUser);
        await page.GetByTestId("password").FillAsync(OfficerService.AdminPassword);
        await page.GetByTestId("sign-in").ClickAsync();
        await Expect(page.GetByTestId("nav-review")).ToBeVisibleAsync();
        return page;
    }

    /// <summary>An HTTP client signed in as the bootstrap admin (bearer token), for seeding and checking through the API.</summary>
    public static async Task<HttpClient> ApiAsync(WebAppFixture app)
    {
        var api = new HttpClient { BaseAddress = new Uri(app.BaseUrl) };
        var token = await api.PostAsJsonAsync("/v1/auth/token", new { userName = OfficerService.AdminUser, password = OfficerService.AdminPassword });
        api.DefaultRequestHeaders.Authorization = new("Bearer", (await token.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString());
        return api;
    }

    /// <summary>Fails when the page scrolls sideways (the document or the body wider than the viewport).</summary>
    public static async Task AssertNoSidewaysScrollAsync(IPage page, string where)
    {
        var widths = await page.EvaluateAsync<int[]>(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth, document.body.scrollWidth]");
        Assert.True(widths[0] <= widths[1] && widths[2] <= widths[1],
            $"{where}: scrollWidth {widths[0]} (body {widths[2]}) > clientWidth {widths[1]} at {page.ViewportSize?.Width} px");
    }

    /// <summary>
    /// English words that must not show on a Vietnamese officer page: the API's own words, status and crop ids, label ids.
    /// Only words that are never Vietnamese syllables (no "in", "to", "do"); format names (JPEG, CSV, zip) and the genus
    /// names in Vietnamese disease names (Phoma, Cercospora) are allowed.
    /// </summary>
    public static readonly string[] EnglishWords =
    [
        "the", "not", "error", "failed", "survey", "surveys", "image", "photo", "photos", "upload", "sign", "review", "reviewed",
        "coffee", "rubber", "ginseng", "ok", "uncertain", "rejected", "healthy", "rust", "miner",
        "before", "starts", "ends", "unsupported", "wrong", "right", "plot", "map", "summary", "accounts", "observations",
        "officer", "busy", "closed", "bad", "field", "unknown", "required", "crop", "date", "dates", "waiting", "sent",
    ];

    /// <summary>
    /// The English words in the page's visible text (innerText: hidden elements left out). The language switch names the
    /// other language ("English") by design and the signed-in user's own name and team are data, so both are left out.
    /// </summary>
    public static Task<string[]> EnglishOnPageAsync(IPage page) => page.EvaluateAsync<string[]>(@"(words) => {
        const skip = [...document.querySelectorAll('[data-testid=lang-switch], .me')];
        skip.forEach((el) => { el.dataset.hiddenForScan = el.style.visibility; el.style.visibility = 'hidden'; });
        const text = document.body.innerText;
        skip.forEach((el) => { el.style.visibility = el.dataset.hiddenForScan; });
        return words.filter((w) => new RegExp(`(^|[^A-Za-z])${w}([^A-Za-z]|$)`, 'i').test(text))
          .map((w) => `${w} in: ${text.match(new RegExp(`.{0,40}(^|[^A-Za-z])${w}([^A-Za-z]|$).{0,40}`, 'i'))?.[0]}`);
    }", EnglishWords);
}
