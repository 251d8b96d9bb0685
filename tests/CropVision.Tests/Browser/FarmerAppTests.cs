using System.Net;
using System.Text.Json;
using CropVision.FieldStore.Model;
using CropVision.Serving.Catalogue;
using CropVision.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace CropVision.Tests.Browser;

/// <summary>
/// The farmer's page in headless Chromium at phone size, against the real service on Kestrel. Set
/// CROPVISION_SCREENSHOTS to a folder to save the main screens there (how docs/ screenshots are made).
/// </summary>
[Trait("Category", "Browser")]
public sealed class FarmerAppTests(WebAppFixture app, ITestOutputHelper output) : IClassFixture<WebAppFixture>
{
    private static string LeafPhoto => Path.Combine(SharedData.Bracol, "rust", "99.jpg"); // val split, rust, clear answer
    private static string FlowerPhoto => Path.Combine(SharedData.Bracol, "..", "not-leaf", "rose-01551791bc.jpg");
    private static readonly string? ScreenshotFolder = Environment.GetEnvironmentVariable("CROPVISION_SCREENSHOTS");

    private DiseaseCatalogue Catalogue => app.Service.Services.GetRequiredService<DiseaseCatalogue>();

    private static async Task<IPage> OpenAsync(IBrowserContext phone, List<string>? errors = null)
    {
        var page = await phone.NewPageAsync();
        if (errors is not null)
        {
            page.Console += (_, m) => { if (m.Type == "error") errors.Add($"console: {m.Text}"); };
            page.PageError += (_, e) => errors.Add($"page error: {e}");
        }
        await page.GotoAsync("/");
        await page.Locator("[data-crop=coffee][aria-checked=true]").WaitForAsync();
        return page;
    }

    private static async Task<ILocator> DiagnoseAsync(IPage page, string photo)
    {
        await page.GetByTestId("camera-input").SetInputFilesAsync(photo);
        var answer = page.GetByTestId("answer");
        await answer.WaitForAsync(new() { Timeout = 60_000 });
        return answer;
    }

    /// <summary>Every visible button, link and control the page offers, smaller than 48x48 CSS px: none expected.</summary>
    private static async Task AssertTouchTargetsAsync(IPage page)
    {
        var small = await page.EvaluateAsync<string[]>(@"() => [...document.querySelectorAll('button, a, label.button, summary, [role=radio]')]
            .filter((e) => e.offsetParent !== null)
            .map((e) => [e, e.getBoundingClientRect()])
            .filter(([, r]) => r.width < 48 || r.height < 48)
            .map(([e, r]) => `${e.tagName} '${e.textContent.trim()}' ${r.width}x${r.height}`)");
        Assert.Empty(small);
    }

    private static async Task ScreenshotAsync(IPage page, string name)
    {
        if (ScreenshotFolder is null) return;
        Directory.CreateDirectory(ScreenshotFolder);
        await page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotFolder, name), FullPage = true });
    }

    [BrowserFact]
    public async Task A_BRACOL_leaf_is_answered_in_Vietnamese_and_the_switch_turns_it_to_English()
    {
        await using var phone = await app.NewPhoneAsync("vi-VN");
        var page = await OpenAsync(phone);
        Assert.Equal("vi", await page.EvaluateAsync<string>("document.documentElement.lang"));
        await Expect(page.GetByTestId("tips")).ToBeVisibleAsync(); // tips before the first shot
        Assert.Equal(2, await page.GetByTestId("no-model").CountAsync()); // rubber and ginseng, from /v1/models

        var answer = await DiagnoseAsync(page, LeafPhoto);
        Assert.Equal("ok", await answer.GetAttributeAsync("data-status"));
        Assert.Equal("rust", await answer.GetAttributeAsync("data-label"));
        var rust = Catalogue.Label("coffee", "rust");
        Assert.Equal(rust.Vi, await page.GetByTestId("answer-name").TextContentAsync());
        Assert.Equal(rust.Advice!.Vi, await page.GetByTestId("advice").TextContentAsync());
        Assert.Contains("Mức độ", await page.GetByTestId("severity").TextContentAsync());
        Assert.Equal(WebStrings.Vi("answer.certainty.ok"), await page.GetByTestId("confidence").TextContentAsync()); // words that match status ok
        await ScreenshotAsync(page, "farmer-answer-vi.png");
        await page.GetByTestId("feedback-wrong").ClickAsync(); // the class picker too
        await AssertTouchTargetsAsync(page);

        await page.GetByTestId("lang-switch").ClickAsync();
        Assert.Equal(rust.En, await page.GetByTestId("answer-name").TextContentAsync());
        Assert.Equal(rust.Advice!.En, await page.GetByTestId("advice").TextContentAsync());
        await page.ReloadAsync();
        await page.Locator("[data-crop=coffee][aria-checked=true]").WaitForAsync();
        Assert.Equal("en", await page.EvaluateAsync<string>("document.documentElement.lang")); // the switch sticks
        await ScreenshotAsync(page, "farmer-start-en.png");
    }

    [BrowserFact]
    public async Task A_flower_photo_is_not_a_coffee_leaf_and_the_tips_show_again()
    {
        await using var phone = await app.NewPhoneAsync("vi-VN");
        var page = await OpenAsync(phone);
        var answer = await DiagnoseAsync(page, FlowerPhoto);
        Assert.Equal("rejected", await answer.GetAttributeAsync("data-status"));
        Assert.Equal(WebStrings.Vi("answer.rejected").Replace("{crop}", Catalogue.Crops["coffee"].Name.Vi.ToLowerInvariant()),
            await page.GetByTestId("rejected").TextContentAsync());
        await Expect(answer.GetByTestId("tips")).ToBeVisibleAsync();
        await ScreenshotAsync(page, "farmer-rejected-vi.png");
        await page.GetByTestId("lang-switch").ClickAsync();
        Assert.Equal("This does not look like a leaf of arabica coffee.", await page.GetByTestId("rejected").TextContentAsync());
    }

    [BrowserFact]
    public async Task An_uncertain_answer_shows_two_candidates_the_tips_and_whom_to_ask()
    {
        await using var phone = await app.NewPhoneAsync("vi-VN");
        var page = await OpenAsync(phone);
        var answer = await DiagnoseAsync(page, Path.Combine(SharedData.Bracol, "cercospora", "1673.jpg")); // val; coffee/7 is unsure of it (top 0.37)
        Assert.Equal("uncertain", await answer.GetAttributeAsync("data-status"));
        await Expect(page.GetByTestId("uncertain")).ToHaveTextAsync(WebStrings.Vi("answer.uncertain"));
        await Expect(answer.Locator(".candidates li")).ToHaveCountAsync(2);
        await Expect(answer.GetByText(WebStrings.Vi("answer.uncertainHelp"))).ToBeVisibleAsync();
        await Expect(answer.GetByTestId("tips")).ToBeVisibleAsync();
        await ScreenshotAsync(page, "farmer-uncertain-vi.png");
    }

    [BrowserFact(needsBracol: false)]
    public async Task A_file_that_is_not_a_photo_gets_a_clear_message_and_no_history_entry()
    {
        await using var phone = await app.NewPhoneAsync("vi-VN");
        var page = await OpenAsync(phone);
        await page.GetByTestId("gallery-input").SetInputFilesAsync(new FilePayload { Name = "notes.jpg", MimeType = "image/jpeg", Buffer = "not a photo"u8.ToArray() });
        await Expect(page.GetByTestId("message")).ToHaveTextAsync(WebStrings.Vi("photo.unreadable"));
        await Expect(page.GetByTestId("camera-input")).ToHaveCountAsync(1); // ready for the next shot
        await page.GetByRole(AriaRole.Link, new() { Name = WebStrings.Vi("nav.history") }).ClickAsync();
        await Expect(page.GetByText(WebStrings.Vi("history.empty"))).ToBeVisibleAsync();
    }

    [BrowserFact]
    public async Task Wrong_feedback_is_stored_with_the_farmers_label()
    {
        await using var phone = await app.NewPhoneAsync("vi-VN");
        var page = await OpenAsync(phone);
        await DiagnoseAsync(page, LeafPhoto);
        await page.GetByTestId("feedback-wrong").ClickAsync();
        await ScreenshotAsync(page, "farmer-feedback-vi.png");
        await page.Locator("[data-testid=feedback-picker] [data-label=phoma]").ClickAsync();
        await Expect(page.GetByTestId("feedback-note")).ToHaveTextAsync(WebStrings.Vi("feedback.thanks"));

        // Stored in the field store with the photo, the model version and the answer the farmer was shown.
        var stored = (await StoredFeedback.AllAsync(app.Service)).First();
        Assert.Equal(("coffee", FarmerVerdict.Wrong, "phoma"), (stored.Crop, stored.FarmerVerdict, stored.FarmerLabel));
        Assert.Equal(("rust", "ok", ServiceFactory.NewestCoffeeVersion), (stored.ModelLabel, stored.ModelStatus, stored.ModelVersion));
        Assert.Null(stored.SurveyId);
        Assert.Equal((512, 256), (stored.Photo!.Width, stored.Photo.Height));

        // The history on the phone keeps the verdict too.
        await page.GetByRole(AriaRole.Link, new() { Name = WebStrings.Vi("nav.history") }).ClickAsync();
        await page.GetByTestId("history-entry").First.ClickAsync();
        await Expect(page.GetByTestId("feedback-given").First).ToContainTextAsync(Catalogue.Label("coffee", "phoma").Vi);
    }

    [BrowserFact]
    public async Task A_photo_taken_offline_is_queued_across_a_reload_and_answered_when_online()
    {
        await using var phone = await app.NewPhoneAsync("vi-VN");
        var page = await OpenAsync(phone);
        // The service worker has cached the shell (install finished) and controls the page.
        await page.EvaluateAsync("navigator.serviceWorker.ready");
        await page.WaitForFunctionAsync("navigator.serviceWorker.controller !== null", null, new() { Timeout = 30_000 });

        await phone.SetOfflineAsync(true);
        await page.GetByTestId("camera-input").SetInputFilesAsync(LeafPhoto);
        await Expect(page.GetByTestId("message")).ToHaveTextAsync(WebStrings.Vi("photo.queued"));

        await page.ReloadAsync(); // offline: the shell comes from the service worker, the queue from IndexedDB
        await page.GetByRole(AriaRole.Link, new() { Name = WebStrings.Vi("nav.history") }).ClickAsync();
        var entry = page.GetByTestId("history-entry");
        await Expect(entry).ToHaveAttributeAsync("data-pending", "true");
        await Expect(page.GetByTestId("offline-banner")).ToBeVisibleAsync();
        await ScreenshotAsync(page, "farmer-history-pending-vi.png");

        await phone.SetOfflineAsync(false);
        await Expect(entry).ToHaveAttributeAsync("data-pending", "false", new() { Timeout = 60_000 });
        Assert.Equal(Catalogue.Label("coffee", "rust").Vi, await entry.GetByTestId("history-title").TextContentAsync());
        await Expect(page.GetByTestId("notice")).ToHaveTextAsync(WebStrings.Vi("history.arrived"));
        await ScreenshotAsync(page, "farmer-history-vi.png");
    }

    [BrowserFact]
    public async Task A_cold_start_offline_after_one_visit_shows_the_crops_and_queues_a_photo()
    {
        await using var phone = await app.NewPhoneAsync("vi-VN");
        var first = await OpenAsync(phone);
        await first.EvaluateAsync("navigator.serviceWorker.ready");
        await first.WaitForFunctionAsync("navigator.serviceWorker.controller !== null", null, new() { Timeout = 30_000 });
        await first.CloseAsync();

        // The app opened again with no network at all: a new page, nothing in memory.
        await phone.SetOfflineAsync(true);
        var page = await phone.NewPageAsync();
        await page.GotoAsync("/");
        await Expect(page.Locator("[data-crop=coffee][aria-checked=true]")).ToBeVisibleAsync();
        await Expect(page.GetByText(WebStrings.Vi("app.loadFailed"))).ToHaveCountAsync(0);
        await page.GetByTestId("camera-input").SetInputFilesAsync(LeafPhoto);
        await Expect(page.GetByTestId("message")).ToHaveTextAsync(WebStrings.Vi("photo.queued"));

        await phone.SetOfflineAsync(false);
        await page.GetByRole(AriaRole.Link, new() { Name = WebStrings.Vi("nav.history") }).ClickAsync();
        await Expect(page.GetByTestId("history-entry")).ToHaveAttributeAsync("data-pending", "false", new() { Timeout = 60_000 });
    }

    [BrowserFact(needsBracol: false)]
    public async Task The_first_screen_shows_the_camera_above_the_fold_in_plain_Vietnamese()
    {
        await using var phone = await app.NewPhoneAsync("vi-VN");
        var page = await OpenAsync(phone);
        // BoundingBoxAsync does not wait: wait until both buttons are laid out (the first render follows the crop list).
        var cameraButton = page.Locator("label.button.primary", new() { Has = page.GetByTestId("camera-input") });
        var galleryButton = page.Locator("label.button", new() { Has = page.GetByTestId("gallery-input") });
        await Expect(cameraButton).ToBeVisibleAsync();
        await Expect(galleryButton).ToBeVisibleAsync();
        var camera = await cameraButton.BoundingBoxAsync();
        var gallery = await galleryButton.BoundingBoxAsync();
        output.WriteLine($"camera button y {camera!.Y}..{camera.Y + camera.Height}, gallery button y {gallery!.Y}..{gallery.Y + gallery.Height}");
        Assert.True(camera.Y + camera.Height <= 640, $"the camera button ends at y = {camera.Y + camera.Height}");
        Assert.True(gallery.Y + gallery.Height <= 640, $"the gallery button ends at y = {gallery.Y + gallery.Height}");
        Assert.Equal(WebStrings.Vi("photo.take"), (await page.Locator("label.button.primary").TextContentAsync())!.Trim());
        // What the farmer reads before opening any fold: no "model", no English id, no version.
        var visible = await page.Locator("main").InnerTextAsync();
        Assert.DoesNotContain("mô hình", visible.Replace(WebStrings.Vi("crop.about"), "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("coffee", visible, StringComparison.OrdinalIgnoreCase);
        await ScreenshotAsync(page, "farmer-start.png");
    }

    /// <summary>
    /// Issue 17, item 8: a severe answer (status ok, severity grade 3 or 4) offers the extension officer's number as a
    /// tel: link; a mild one does not. Real val photos, answered by the service as they are (grades measured with
    /// the served model, coffee/7: rust/1401 ok grade 4, rust/97 ok grade 1); the test reads the grade from the page.
    /// </summary>
    [BrowserFact]
    public async Task A_severe_answer_offers_a_call_to_the_extension_officer_and_a_mild_one_does_not()
    {
        await using var phone = await app.NewPhoneAsync("vi-VN");
        var page = await OpenAsync(phone);
        var severe = await DiagnoseAsync(page, Path.Combine(SharedData.Bracol, "rust", "1401.jpg"));
        await Expect(severe).ToHaveAttributeAsync("data-status", "ok");
        // The grade as the service gave it, from the phone's history (the newest record).
        Task<string> GradeAsync() => page.EvaluateAsync<string>(@"() => new Promise((resolve) => {
            const open = indexedDB.open('cropvision');
            open.onsuccess = () => { const all = open.result.transaction('history').objectStore('history').getAll();
              all.onsuccess = () => resolve(all.result.sort((a, b) => a.at - b.at).at(-1).answer.severity.grade); }; })");
        var grade = await GradeAsync();
        Assert.True(grade is "3" or "4", $"rust/1401 is graded {grade} now: pick another severe val photo");
        await Expect(severe.GetByTestId("severity")).ToBeVisibleAsync();
        var call = severe.GetByTestId("contact-call");
        await Expect(call).ToHaveAttributeAsync("href", "tel:" + WebAppFixture.ProvinceContact.Phone.Replace(" ", ""));
        await Expect(call).ToContainTextAsync(WebAppFixture.ProvinceContact.Name);
        await Expect(severe.GetByText(WebStrings.Vi("contact.title"))).ToBeVisibleAsync();

        await page.ReloadAsync(); // a fresh page: the next answer cannot be confused with this one
        await Expect(page.GetByTestId("answer")).ToHaveCountAsync(0);
        var mild = await DiagnoseAsync(page, Path.Combine(SharedData.Bracol, "rust", "97.jpg"));
        await Expect(mild).ToHaveAttributeAsync("data-status", "ok");
        Assert.True(await GradeAsync() is "0" or "1" or "2", "rust/97 is graded severe now: pick another mild val photo");
        await Expect(mild.GetByTestId("severity")).ToBeVisibleAsync();
        await Expect(mild.GetByTestId("contact-call")).ToHaveCountAsync(0);
    }

    [BrowserFact]
    public async Task An_uncertain_answer_stays_uncertain_in_history_offers_a_call_and_can_be_deleted()
    {
        await using var phone = await app.NewPhoneAsync("vi-VN");
        var page = await OpenAsync(phone);
        var answer = await DiagnoseAsync(page, Path.Combine(SharedData.Bracol, "cercospora", "1673.jpg")); // val; uncertain
        Assert.Equal("uncertain", await answer.GetAttributeAsync("data-status"));
        await Expect(answer.GetByTestId("advice")).ToHaveCountAsync(0); // no treatment as if it were sure
        var call = answer.GetByTestId("contact-call");
        await Expect(call).ToHaveAttributeAsync("href", "tel:" + WebAppFixture.ProvinceContact.Phone.Replace(" ", ""));
        await Expect(call).ToContainTextAsync(WebAppFixture.ProvinceContact.Name);
        await answer.GetByTestId("commune").SelectOptionAsync("Đăk Hà"); // a commune's own officer
        await Expect(page.GetByTestId("contact-call")).ToHaveAttributeAsync("href", "tel:02603000222");

        await page.GetByRole(AriaRole.Link, new() { Name = WebStrings.Vi("nav.history") }).ClickAsync();
        var entry = page.GetByTestId("history-entry");
        await Expect(entry).ToHaveAttributeAsync("data-status", "uncertain");
        var title = await entry.GetByTestId("history-title").TextContentAsync();
        Assert.StartsWith(WebStrings.Vi("answer.certainty.uncertain"), title);
        Assert.NotEqual(Catalogue.Label("coffee", "healthy").Vi, title);
        await entry.Locator("summary").First.ClickAsync();
        await Expect(entry.GetByTestId("uncertain")).ToBeVisibleAsync();
        await AssertTouchTargetsAsync(page);
        await entry.GetByTestId("history-delete").ClickAsync();
        await Expect(page.GetByTestId("history-entry")).ToHaveCountAsync(0);
        await Expect(page.GetByText(WebStrings.Vi("history.empty"))).ToBeVisibleAsync();
        await page.ReloadAsync(); // gone from IndexedDB too
        await Expect(page.GetByText(WebStrings.Vi("history.empty"))).ToBeVisibleAsync();
    }

    [BrowserFact]
    public async Task Uploads_carry_a_W3C_traceparent_that_the_service_continues()
    {
        // The service's request spans (ASP.NET Core's activity), seen from this process: which trace and parent each continued.
        var served = new System.Collections.Concurrent.ConcurrentQueue<(string TraceId, string ParentId)>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = s => s.Name == "Microsoft.AspNetCore",
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => served.Enqueue((a.TraceId.ToHexString(), a.ParentSpanId.ToHexString())),
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);

        await using var phone = await app.NewPhoneAsync("vi-VN");
        var page = await OpenAsync(phone);
        var uploads = new System.Collections.Concurrent.ConcurrentQueue<(string Path, string? TraceParent)>();
        page.Request += (_, r) => { if (r.Method == "POST") uploads.Enqueue((new Uri(r.Url).AbsolutePath, r.Headers.GetValueOrDefault("traceparent"))); };
        await DiagnoseAsync(page, LeafPhoto);
        await page.GetByTestId("feedback-right").ClickAsync();
        await Expect(page.GetByTestId("feedback-note")).ToHaveTextAsync(WebStrings.Vi("feedback.thanks"));

        // Version 00, a random 16-byte trace id and 8-byte parent id, sampled; a trace of its own per upload.
        Assert.Equal(["/v1/predict", "/v1/feedback"], uploads.Select(u => u.Path));
        var parts = uploads.Select(u => System.Text.RegularExpressions.Regex.Match(u.TraceParent ?? "", "^00-([0-9a-f]{32})-([0-9a-f]{16})-01$")).ToList();
        Assert.All(parts, m => Assert.True(m.Success, $"traceparent '{m.Value}' is not W3C version 00, sampled"));
        Assert.All(parts, m => Assert.NotEqual(new string('0', 32), m.Groups[1].Value));
        Assert.NotEqual(parts[0].Groups[1].Value, parts[1].Groups[1].Value);
        // The service continued each: its request span has that trace id, with the phone's span as parent.
        foreach (var m in parts)
            Assert.Contains((m.Groups[1].Value, m.Groups[2].Value), served);
    }

    [BrowserFact(needsBracol: false)]
    public async Task The_shell_is_within_budget_with_no_console_errors_and_a_CSP()
    {
        await using var phone = await app.NewPhoneAsync("vi-VN");
        var errors = new List<string>();
        var page = await phone.NewPageAsync();
        page.Console += (_, m) => { if (m.Type == "error") errors.Add($"console: {m.Text}"); };
        page.PageError += (_, e) => errors.Add($"page error: {e}");
        var responses = new List<IResponse>();
        page.Response += (_, r) => responses.Add(r);
        var document = await page.GotoAsync("/");
        await page.Locator("[data-crop=coffee][aria-checked=true]").WaitForAsync();
        await page.EvaluateAsync("navigator.serviceWorker.ready");
        await page.GetByRole(AriaRole.Link, new() { Name = WebStrings.Vi("nav.history") }).ClickAsync();
        await page.GetByText(WebStrings.Vi("history.empty")).WaitForAsync();

        var csp = await document!.HeaderValueAsync("content-security-policy");
        Assert.NotNull(csp);
        Assert.Contains("script-src 'self'", csp);
        Assert.DoesNotContain("unsafe-inline", csp);

        // What the page load transferred (headers + compressed bodies), API calls apart.
        long pageLoad = 0;
        foreach (var r in responses.Where(r => !new Uri(r.Url).AbsolutePath.StartsWith("/v1/", StringComparison.Ordinal)))
        {
            var sizes = await r.Request.SizesAsync();
            pageLoad += sizes.ResponseBodySize + sizes.ResponseHeadersSize;
        }
        // Everything the service worker keeps (HTML, JS, CSS, manifest, icons) plus sw.js itself, as sent compressed.
        var shell = await ShellSize.MeasureAsync(app.BaseUrl);
        output.WriteLine($"page load transferred {pageLoad} bytes; whole shell {shell.Total} bytes compressed: {shell.Describe()}");
        Assert.InRange(pageLoad, 1, 150 * 1024);
        Assert.InRange(shell.Total, 1, 150 * 1024);
        Assert.Empty(errors);
    }

    [BrowserFact]
    public async Task A_busy_service_is_retried_after_its_Retry_After()
    {
        await using var phone = await app.NewPhoneAsync("vi-VN");
        var page = await OpenAsync(phone);
        var attempts = new List<DateTime>();
        await page.RouteAsync("**/v1/predict**", async route =>
        {
            attempts.Add(DateTime.UtcNow);
            if (attempts.Count == 1)
                await route.FulfillAsync(new()
                {
                    Status = 503, ContentType = "application/problem+json", Headers = new Dictionary<string, string> { ["Retry-After"] = "2" },
                    Body = "{\"status\":503,\"title\":\"Busy\"}"
                });
            else await route.ContinueAsync();
        });
        await page.GetByTestId("camera-input").SetInputFilesAsync(LeafPhoto);
        await Expect(page.GetByTestId("progress")).ToContainTextAsync(WebStrings.Vi("photo.retrying").Replace("{seconds}", "2"));
        await page.GetByTestId("answer").WaitForAsync(new() { Timeout = 60_000 });
        Assert.Equal(2, attempts.Count);
        Assert.True(attempts[1] - attempts[0] >= TimeSpan.FromSeconds(1.9), $"retried after {(attempts[1] - attempts[0]).TotalSeconds:0.00} s, before Retry-After");
    }

    [BrowserFact(needsBracol: false)]
    public async Task The_language_follows_the_phone_and_trainedOn_shows_when_the_service_gives_it()
    {
        await using var phone = await app.NewPhoneAsync("en-US");
        var page = await phone.NewPageAsync();
        // /v1/models gains trainedOn in issue 9; until then the page is shown a copy of today's answer with it added.
        await page.RouteAsync("**/v1/models", async route =>
        {
            var response = await route.FetchAsync();
            var models = System.Text.Json.Nodes.JsonNode.Parse(await response.TextAsync())!;
            foreach (var crop in models["crops"]!.AsArray().Where(c => (string?)c!["crop"] == "coffee"))
                crop!["trainedOn"] = new System.Text.Json.Nodes.JsonObject { ["en"] = "BRACOL leaf photos (Brazil)", ["vi"] = "Ảnh lá BRACOL (Brazil)" };
            await route.FulfillAsync(new() { Response = response, Body = models.ToJsonString() });
        });
        await page.GotoAsync("/");
        await Expect(page.GetByTestId("trained-on")).ToHaveTextAsync(WebStrings.En("crop.trainedOn").Replace("{text}", "BRACOL leaf photos (Brazil)"));
        Assert.Equal("en", await page.EvaluateAsync<string>("document.documentElement.lang"));
        await Expect(page.GetByTestId("no-model").First).ToHaveTextAsync(WebStrings.En("crop.noModel"));
    }

    [BrowserFact]
    public async Task Large_photos_are_shrunk_upright_before_upload()
    {
        // Phone-like JPEGs (quality 90, sensor-like noise) made from a real BRACOL val leaf: 12 MP, 8 MP, and the BRACOL
        // camera's 2048x1024; the 12 MP one stored sideways with EXIF orientation 6, as a phone held upright stores it.
        var source = await File.ReadAllBytesAsync(LeafPhoto);
        (string Name, byte[] Bytes, int Width, int Height)[] photos =
        [
            ("4000x3000, EXIF orientation 6", TestImages.WithExifOrientation(PhoneLikePhoto.Jpeg(source, 3000, 4000, rotate: true), 6), 1600, 1200),
            ("3264x2448", PhoneLikePhoto.Jpeg(source, 3264, 2448), 1600, 1200),
            ("2048x1024", PhoneLikePhoto.Jpeg(source, 2048, 1024), 1600, 800),
        ];
        using var folder = new TempFolder();
        await using var phone = await app.NewPhoneAsync("vi-VN");
        var page = await OpenAsync(phone);
        foreach (var (name, bytes, width, height) in photos)
        {
            var file = folder.Sub($"IMG_{width}x{bytes.Length}.jpg");
            await File.WriteAllBytesAsync(file, bytes);
            await page.GetByTestId(bytes == photos[0].Bytes ? "camera-input" : "gallery-input").SetInputFilesAsync(file);
            var answer = page.Locator($"[data-testid=answer]");
            await Expect(page.GetByTestId("progress")).ToHaveCountAsync(0, new() { Timeout = 60_000 });
            Assert.Equal("rust", await answer.GetAttributeAsync("data-label"));

            var sent = await page.EvaluateAsync<JsonElement>(@"async () => {
                const db = await new Promise((ok, fail) => { const r = indexedDB.open('cropvision'); r.onsuccess = () => ok(r.result); r.onerror = fail; });
                const all = await new Promise((ok) => { const r = db.transaction('history').objectStore('history').getAll(); r.onsuccess = () => ok(r.result); });
                const last = all.sort((a, b) => a.at - b.at).at(-1);
                const bmp = await createImageBitmap(last.photo);
                return { width: bmp.width, height: bmp.height, bytes: last.photo.size, original: last.originalBytes };
            }");
            // Upright (EXIF applied) and no longer than 1600 px on its longest side.
            Assert.Equal(width, sent.GetProperty("width").GetInt32());
            Assert.Equal(height, sent.GetProperty("height").GetInt32());
            Assert.Equal(bytes.Length, sent.GetProperty("original").GetInt64());
            var sentBytes = sent.GetProperty("bytes").GetInt64();
            Assert.True(sentBytes < bytes.Length / 2, $"{name}: sent {sentBytes} of {bytes.Length} bytes");
            output.WriteLine($"{name}: {bytes.Length / 1024.0:0} KiB taken -> {sentBytes / 1024.0:0} KiB sent ({width}x{height} JPEG 0.85), {100.0 * (1 - (double)sentBytes / bytes.Length):0}% saved");
        }
    }
}
