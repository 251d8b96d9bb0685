using System.Text.Json;
using CropVision.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace CropVision.Tests.Browser;

/// <summary>A sure answer shows example photos of its disease from the training data, with source and licence (issue 17, item 7).</summary>
[Trait("Category", "Browser")]
public sealed class ReferencePicturesTests(WebAppFixture app) : IClassFixture<WebAppFixture>
{
    [BrowserFact]
    public async Task A_rust_answer_shows_rust_examples_with_the_licence()
    {
        await using var phone = await app.NewPhoneAsync("vi-VN");
        var page = await phone.NewPageAsync();
        await page.GotoAsync("/");
        await page.Locator("[data-crop=coffee][aria-checked=true]").WaitForAsync();
        await page.GetByTestId("camera-input").SetInputFilesAsync(Path.Combine(SharedData.Bracol, "rust", "99.jpg"));
        var answer = page.GetByTestId("answer");
        await answer.WaitForAsync(new() { Timeout = 60_000 });
        Assert.Equal("rust", await answer.GetAttributeAsync("data-label"));

        var refs = answer.GetByTestId("references");
        await Expect(refs).ToBeVisibleAsync();
        var pictures = refs.GetByTestId("reference-picture");
        await Expect(pictures).ToHaveCountAsync(3);
        for (int i = 0; i < 3; i++)
        {
            Assert.Matches("^/refs/coffee/rust-\\d+\\.jpg$", await pictures.Nth(i).GetAttributeAsync("src"));
            Assert.True(await pictures.Nth(i).EvaluateAsync<bool>("(img) => img.complete && img.naturalWidth > 0"), "picture loaded");
        }
        await Expect(refs.GetByTestId("references-licence")).ToContainTextAsync("CC BY 4.0");
        await Expect(refs.GetByTestId("references-licence")).ToContainTextAsync("BRACOL");
        await Expect(refs.GetByTestId("references-licence")).ToContainTextAsync("Ảnh:");
    }
}

/// <summary>The committed reference pictures (ClientApp/tools/make-references.sh).</summary>
[Trait("Category", "Fast")]
public sealed class ReferencePictureFileTests
{
    private static string Refs => Path.Combine(SharedData.RepositoryRoot, "src", "CropVision.Api", "ClientApp", "static", "refs");

    /// <summary>Only train photos (never val or test), each in the index, small (under 1 MB together).</summary>
    [BracolFact]
    public void The_pictures_are_small_train_photos()
    {
        var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(Refs, "index.json"))).RootElement;
        var labels = File.ReadAllLines(Path.Combine(SharedData.Bracol, "labels.csv")).Skip(1).Select(l => l.Trim().Split(','))
            .ToDictionary(f => $"{f[1]}/{f[0]}", f => f[7]);
        foreach (var cls in index.GetProperty("crops").GetProperty("coffee").EnumerateObject())
            foreach (var item in cls.Value.EnumerateArray())
            {
                Assert.Equal("train", labels[item.GetProperty("dataset").GetString()!]);
                Assert.True(File.Exists(Path.Combine(Refs, item.GetProperty("file").GetString()!)));
            }
        Assert.True(Directory.GetFiles(Refs, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length) < 1_000_000);
    }
}

