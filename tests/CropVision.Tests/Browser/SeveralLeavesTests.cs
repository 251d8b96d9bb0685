using CropVision.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CropVision.Tests.Browser;

/// <summary>"Thêm lá": several leaves of one plant, one answer, each leaf's result in a fold (issue 17, item 3).</summary>
[Trait("Category", "Browser")]
public sealed class SeveralLeavesTests(WebAppFixture app) : IClassFixture<WebAppFixture>
{
    private static readonly string? ScreenshotFolder = Environment.GetEnvironmentVariable("CROPVISION_SCREENSHOTS");

    [BrowserFact]
    public async Task Three_real_rust_leaves_give_one_combined_answer_with_each_leaf_underneath()
    {
        await using var phone = await app.NewPhoneAsync("vi-VN");
        var page = await phone.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        await page.GotoAsync("/");
        await page.Locator("[data-crop=coffee][aria-checked=true]").WaitForAsync();

        await page.GetByTestId("leaves-link").ClickAsync();
        await Expect(page.GetByTestId("leaves-diagnose")).ToBeDisabledAsync(); // fewer than two leaves
        // val split, rust (labels.csv): 97 (severity 1), 99 (2), 100 (4)
        string[] photos = [.. new[] { "97.jpg", "99.jpg", "100.jpg" }.Select(f => Path.Combine(SharedData.Bracol, "rust", f))];
        await page.GetByTestId("leaves-camera").SetInputFilesAsync(photos[0]);
        await Expect(page.Locator("[data-testid=leaf-list] li")).ToHaveCountAsync(1);
        await page.GetByTestId("leaves-gallery").SetInputFilesAsync(photos[1..]);
        await Expect(page.Locator("[data-testid=leaf-list] li")).ToHaveCountAsync(3);
        await Expect(page.GetByTestId("leaves-diagnose")).ToHaveTextAsync(WebStrings.Vi("leaves.diagnose").Replace("{count}", "3"));
        await page.GetByTestId("leaves-diagnose").ClickAsync();

        var answer = page.GetByTestId("answer");
        await answer.WaitForAsync(new() { Timeout = 60_000 });
        Assert.Equal("ok", await answer.GetAttributeAsync("data-status"));
        Assert.Equal("rust", await answer.GetAttributeAsync("data-label"));
        await Expect(page.GetByTestId("leaves-combined-of")).ToContainTextAsync(WebStrings.Vi("leaves.combinedOf").Replace("{used}", "3").Replace("{count}", "3"));
        await Expect(page.GetByTestId("leaves-combined-of")).ToContainTextAsync(WebStrings.Vi("leaves.severityNote"));

        // Each leaf's own result, folded: hidden until opened.
        var fold = page.GetByTestId("leaf-results");
        var lines = fold.GetByTestId("leaf-result");
        await Expect(lines).ToHaveCountAsync(3);
        await Expect(lines.First).Not.ToBeVisibleAsync();
        await fold.Locator("summary").ClickAsync();
        await Expect(lines.First).ToBeVisibleAsync();
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal("true", await lines.Nth(i).GetAttributeAsync("data-used"));
            await Expect(lines.Nth(i)).ToContainTextAsync(WebStrings.Vi("leaves.leaf").Replace("{n}", (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        // Severity shown is the worst leaf's (each line shows its own).
        var combinedSeverity = await page.GetByTestId("severity").TextContentAsync();
        var leafTexts = await lines.AllTextContentsAsync();
        Assert.Contains(leafTexts, t => t.Contains(combinedSeverity!, StringComparison.Ordinal));
        if (ScreenshotFolder is not null) await page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotFolder, "farmer-leaves-vi.png"), FullPage = true });

        // Kept in the history.
        await page.GotoAsync("/#/history");
        var entry = page.GetByTestId("history-entry");
        await Expect(entry).ToHaveCountAsync(1);

        // "Right" on the combined answer sends every leaf's photo, each with its own answer (the page says so first).
        await entry.Locator("summary").First.ClickAsync();
        await Expect(entry.GetByTestId("feedback-leaves")).ToHaveTextAsync(WebStrings.Vi("feedback.leaves").Replace("{count}", "3"));
        await entry.GetByTestId("feedback-right").ClickAsync();
        await Expect(page.GetByTestId("feedback-given")).ToBeAttachedAsync(); // (the list re-renders with its folds closed)
        List<CropVision.FieldStore.Model.Observation> stored = [];
        for (var deadline = DateTime.UtcNow.AddSeconds(60); stored.Count < 3 && DateTime.UtcNow < deadline; await Task.Delay(200))
            stored = await StoredFeedback.AllAsync(app.Service);
        Assert.Equal(3, stored.Count);
        Assert.Equal(3, stored.Select(o => o.PhotoSha256).Distinct().Count()); // three photos, not the first leaf three times
        Assert.All(stored, o => Assert.Equal(("rust", CropVision.FieldStore.Model.FarmerVerdict.Right), (o.ModelLabel, o.FarmerVerdict!.Value)));
        Assert.Empty(errors);
    }

    /// <summary>Leaves chosen with no network are kept in history and answered together once the network is back.</summary>
    [BrowserFact]
    public async Task Leaves_chosen_offline_are_queued_and_answered_together_when_back_online()
    {
        await using var phone = await app.NewPhoneAsync("vi-VN");
        var page = await phone.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        await page.GotoAsync("/");
        await page.Locator("[data-crop=coffee][aria-checked=true]").WaitForAsync();
        await page.GetByTestId("leaves-link").ClickAsync();

        await phone.SetOfflineAsync(true);
        await page.GetByTestId("leaves-gallery").SetInputFilesAsync(new[] { "97.jpg", "99.jpg" }.Select(f => Path.Combine(SharedData.Bracol, "rust", f)));
        await Expect(page.Locator("[data-testid=leaf-list] li")).ToHaveCountAsync(2);
        await page.GetByTestId("leaves-diagnose").ClickAsync();
        await Expect(page.GetByTestId("message")).ToHaveTextAsync(WebStrings.Vi("leaves.queued").Replace("{count}", "2"));

        await page.GotoAsync("/#/history");
        var entry = page.GetByTestId("history-entry");
        await Expect(entry).ToHaveAttributeAsync("data-pending", "true");
        await Expect(entry.GetByTestId("history-title")).ToHaveTextAsync(WebStrings.Vi("history.pending"));

        await phone.SetOfflineAsync(false);
        await page.EvaluateAsync("window.dispatchEvent(new Event('online'))"); // as the phone's radio coming back does
        await Expect(entry).ToHaveAttributeAsync("data-pending", "false", new() { Timeout = 60_000 });
        await Expect(entry).ToHaveAttributeAsync("data-status", "ok");
        await Expect(entry.GetByTestId("history-title")).ToHaveTextAsync("Bệnh gỉ sắt");
        // The combined answer of both leaves, each leaf's result kept with it.
        var leaves = await page.EvaluateAsync<int>(@"() => new Promise((resolve) => {
            const open = indexedDB.open('cropvision');
            open.onsuccess = () => { const all = open.result.transaction('history').objectStore('history').getAll();
              all.onsuccess = () => resolve(all.result[0].combined && all.result[0].answer.used.length === 2 ? all.result[0].leaves.length : -1); }; })");
        Assert.Equal(2, leaves);
        Assert.Empty(errors);
    }
}
