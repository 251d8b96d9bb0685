using CropVision.Serving.Catalogue;
using CropVision.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CropVision.Tests.Browser;

/// <summary>"Nghe" reads the answer aloud: with the browser's Vietnamese voice, else with the prebuilt clips (issue 17, item 6).</summary>
[Trait("Category", "Browser")]
public sealed class ReadAloudTests(WebAppFixture app) : IClassFixture<WebAppFixture>
{
    private static string LeafPhoto => Path.Combine(SharedData.Bracol, "rust", "99.jpg"); // val, rust, answered ok

    private async Task<IPage> AnswerAsync(IBrowserContext phone, string initScript)
    {
        var page = await phone.NewPageAsync();
        await page.AddInitScriptAsync(initScript);
        await page.GotoAsync("/");
        await page.Locator("[data-crop=coffee][aria-checked=true]").WaitForAsync();
        await page.GetByTestId("camera-input").SetInputFilesAsync(LeafPhoto);
        await page.GetByTestId("answer").WaitForAsync(new() { Timeout = 60_000 });
        Assert.Equal("rust", await page.GetByTestId("answer").GetAttributeAsync("data-label"));
        return page;
    }

    [BrowserFact]
    public async Task With_a_Vietnamese_voice_the_answer_and_advice_are_spoken()
    {
        await using var phone = await app.NewPhoneAsync("vi-VN");
        var page = await AnswerAsync(phone, """
            window.__spoken = [];
            const voices = [{ name: 'English', lang: 'en-US', voiceURI: 'en' }, { name: 'Tiếng Việt (test)', lang: 'vi-VN', voiceURI: 'vi-test' }];
            Object.defineProperty(window, 'speechSynthesis', { configurable: true, value: {
              getVoices: () => voices, cancel() {}, speaking: false, addEventListener() {}, removeEventListener() {},
              speak(u) { window.__spoken.push({ text: u.text, lang: u.lang }); setTimeout(() => u.onend && u.onend(), 50); },
            } });
            """);
        await page.GetByTestId("listen").ClickAsync();
        await Expect(page.GetByTestId("listen")).ToHaveAttributeAsync("data-mode", "voice");
        var spoken = await page.EvaluateAsync<System.Text.Json.JsonElement>("window.__spoken");
        Assert.Equal(1, spoken.GetArrayLength());
        Assert.Equal("vi-VN", spoken[0].GetProperty("lang").GetString());
        var said = new { Text = spoken[0].GetProperty("text").GetString()! };
        var rust = app.Service.Services.GetRequiredService<DiseaseCatalogue>().Label("coffee", "rust");
        Assert.StartsWith(rust.Vi + ".", said.Text, StringComparison.Ordinal);
        Assert.Contains("Mức độ", said.Text, StringComparison.Ordinal);
        Assert.EndsWith(rust.Advice!.Vi, said.Text, StringComparison.Ordinal);
        // Nothing was fetched for the clips.
        Assert.Equal(0, await page.EvaluateAsync<int>("performance.getEntriesByType('resource').filter((e) => e.name.includes('/voice/')).length"));
    }

    [BrowserFact]
    public async Task Without_a_Vietnamese_voice_the_prebuilt_clips_play_in_turn()
    {
        await using var phone = await app.NewPhoneAsync("vi-VN");
        var page = await AnswerAsync(phone, """
            window.__played = [];
            Object.defineProperty(window, 'speechSynthesis', { configurable: true, value: {
              getVoices: () => [{ name: 'English', lang: 'en-US' }], cancel() {}, speak() { throw new Error('no Vietnamese voice: must not speak'); },
            } });
            const play = HTMLMediaElement.prototype.play;
            HTMLMediaElement.prototype.play = function () { window.__played.push(new URL(this.src).pathname); return play.call(this); };
            """);
        var clip = page.WaitForResponseAsync(r => r.Url.EndsWith("/voice/coffee/label-rust.ogg", StringComparison.Ordinal));
        await page.GetByTestId("listen").ClickAsync();
        var response = await clip;
        Assert.True(response.Ok, $"{response.Url}: {response.Status}");
        Assert.Equal("audio/ogg", (await response.HeaderValueAsync("content-type"))?.Split(';')[0]);
        await Expect(page.GetByTestId("listen")).ToHaveAttributeAsync("data-mode", "audio");
        Assert.Equal(["/voice/coffee/label-rust.ogg"], await page.EvaluateAsync<string[]>("window.__played"));

        // When the first clip ends, the severity clip follows.
        var grade = await page.EvaluateAsync<string>("document.querySelector('[data-testid=voice-audio]').src");
        Assert.EndsWith("label-rust.ogg", grade, StringComparison.Ordinal);
        await page.EvaluateAsync("document.querySelector('[data-testid=voice-audio]').dispatchEvent(new Event('ended'))");
        var played = await page.EvaluateAsync<string[]>("window.__played");
        Assert.Equal(2, played.Length);
        Assert.Matches("^/voice/coffee/severity-[0-4]\\.ogg$", played[1]);
    }
}
