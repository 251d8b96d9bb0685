using System.Text.Json;
using CropVision.Tests.Support;
using Microsoft.Playwright;
using SkiaSharp;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace CropVision.Tests.Browser;

/// <summary>
/// Capture coaching (ClientApp/src/quality.js): a dark, blurry or small photo gets a tip before it is sent, on real
/// photos (BRACOL val leaves, field photos of other crops) darkened and blurred here.
/// </summary>
[Trait("Category", "Browser")]
public sealed class CaptureCoachingTests(WebAppFixture app, ITestOutputHelper output) : IClassFixture<WebAppFixture>
{
    private static string LeafPhoto => Path.Combine(SharedData.Bracol, "rust", "99.jpg"); // val

    /// <summary>quality.js as the page runs it, its exports made plain declarations so that evaluate() can call them.</summary>
    private static string QualitySource => File.ReadAllText(Path.Combine(SharedData.RepositoryRoot, "src", "CropVision.Api", "ClientApp", "src", "quality.js"))
        .Replace("export ", "", StringComparison.Ordinal);

    /// <summary>The photo darkened (each channel times brightness) or blurred (Gaussian, sigma in pixels), as JPEG quality 90.</summary>
    private static byte[] Altered(string path, float brightness = 1, float blurSigma = 0)
    {
        using var photo = SKBitmap.Decode(path);
        using var surface = SKSurface.Create(new SKImageInfo(photo.Width, photo.Height));
        using var paint = new SKPaint();
        if (brightness != 1)
            paint.ColorFilter = SKColorFilter.CreateColorMatrix([brightness, 0, 0, 0, 0, 0, brightness, 0, 0, 0, 0, 0, brightness, 0, 0, 0, 0, 0, 1, 0]);
        if (blurSigma > 0) paint.ImageFilter = SKImageFilter.CreateBlur(blurSigma, blurSigma, SKShaderTileMode.Clamp);
        using var source = SKImage.FromBitmap(photo);
        surface.Canvas.DrawImage(source, 0, 0, SKSamplingOptions.Default, paint);
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Jpeg, 90);
        return data.ToArray();
    }

    private static IEnumerable<string> ValLeaves(int every) => File.ReadLines(Path.Combine(SharedData.Bracol, "labels.csv")).Skip(1)
        .Select(l => l.Split(',')).Where(f => f[^1] == "val").Where((_, i) => i % every == 0).Select(f => Path.Combine(SharedData.Bracol, f[1], f[0]));

    private static IEnumerable<string> FieldLeaves(int count)
    {
        var other = Path.Combine(SharedData.Bracol, "..", "other-leaf");
        var manifest = Path.Combine(other, "MANIFEST.csv");
        if (!File.Exists(manifest)) return [];
        return File.ReadLines(manifest).Skip(1).Where(l => l.Contains("in field", StringComparison.Ordinal) || l.Contains("in-field", StringComparison.Ordinal))
            .Select(l => Path.Combine(other, l.Split(',')[0])).Where(File.Exists).Take(count);
    }

    [BrowserFact]
    public async Task Thresholds_separate_real_photos_from_darkened_and_blurred_copies()
    {
        var photos = ValLeaves(every: 5).Concat(FieldLeaves(40)).ToList();
        // Variants: the photo; darkened to 35% (a leaf in deep shade / dusk); blurred by 1% of its longest side (a shaken hand).
        var variants = new (string Name, Func<string, byte[]> Make)[]
        {
            ("original", p => File.ReadAllBytes(p)),
            ("dark 0.35", p => Altered(p, brightness: 0.35f)),
            ("blur 1%", p => { using var c = SKCodec.Create(p); return Altered(p, blurSigma: Math.Max(c.Info.Width, c.Info.Height) * 0.01f); }),
        };
        await using var phone = await app.NewPhoneAsync();
        var page = await phone.NewPageAsync();
        await page.GotoAsync("/");
        var results = new Dictionary<string, List<(double Luma, double Sharpness, string[] Problems)>>();
        foreach (var (name, make) in variants)
        {
            var list = results[name] = [];
            foreach (var photo in photos)
            {
                var m = await page.EvaluateAsync<JsonElement>($@"async (b64) => {{ {QualitySource}
                    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
                    const m = await checkPhoto(new Blob([bytes], {{ type: 'image/jpeg' }}));
                    return {{ luma: m.luma, sharpness: m.sharpness, problems: problems(m) }}; }}", Convert.ToBase64String(make(photo)));
                list.Add((m.GetProperty("luma").GetDouble(), m.GetProperty("sharpness").GetDouble(),
                    m.GetProperty("problems").EnumerateArray().Select(p => p.GetString()!).ToArray()));
            }
            static string P(IEnumerable<double> xs, double q) { var s = xs.Order().ToList(); return s[(int)Math.Round(q * (s.Count - 1))].ToString("0.###"); }
            output.WriteLine($"{name} ({list.Count} photos): luma p5 {P(list.Select(x => x.Luma), 0.05)} p50 {P(list.Select(x => x.Luma), 0.5)} p95 {P(list.Select(x => x.Luma), 0.95)}; " +
                $"sharpness p5 {P(list.Select(x => x.Sharpness), 0.05)} p50 {P(list.Select(x => x.Sharpness), 0.5)} p95 {P(list.Select(x => x.Sharpness), 0.95)}; " +
                $"flagged dark {list.Count(x => x.Problems.Contains("dark"))}, blurry {list.Count(x => x.Problems.Contains("blurry"))}, small {list.Count(x => x.Problems.Contains("small"))}");
        }
        double Share(string variant, string problem) => results[variant].Count(x => x.Problems.Contains(problem)) / (double)results[variant].Count;
        Assert.True(Share("original", "dark") <= 0.05 && Share("original", "blurry") <= 0.05, "real photos are rarely flagged");
        Assert.True(Share("dark 0.35", "dark") >= 0.9, "darkened photos are flagged dark");
        Assert.True(Share("dark 0.35", "blurry") <= 0.05, "darkness alone is not called blur");
        Assert.True(Share("blur 1%", "blurry") >= 0.9, "blurred photos are flagged blurry");
    }

    [BrowserFact]
    public async Task A_dark_or_blurred_photo_gets_a_tip_and_a_choice_and_a_normal_one_goes_straight_through()
    {
        using var folder = new TempFolder();
        var dark = folder.Sub("dark.jpg");
        var blurred = folder.Sub("blurred.jpg");
        await File.WriteAllBytesAsync(dark, Altered(LeafPhoto, brightness: 0.35f));
        await File.WriteAllBytesAsync(blurred, Altered(LeafPhoto, blurSigma: 5)); // 1% of its 512 px
        await using var phone = await app.NewPhoneAsync("vi-VN");
        var page = await phone.NewPageAsync();
        await page.GotoAsync("/");
        await page.Locator("[data-crop=coffee][aria-checked=true]").WaitForAsync();

        await page.GetByTestId("camera-input").SetInputFilesAsync(dark);
        await Expect(page.GetByTestId("coach-dark")).ToHaveTextAsync(WebStrings.Vi("coach.dark"));
        Assert.Equal("dark", await page.GetByTestId("coach").GetAttributeAsync("data-problems"));
        await Expect(page.GetByTestId("answer")).ToHaveCountAsync(0); // nothing sent yet
        await Expect(page.GetByTestId("camera-input")).ToHaveCountAsync(1); // retake

        await page.GetByTestId("camera-input").SetInputFilesAsync(blurred);
        await Expect(page.GetByTestId("coach-blurry")).ToHaveTextAsync(WebStrings.Vi("coach.blurry"));
        Assert.Equal("blurry", await page.GetByTestId("coach").GetAttributeAsync("data-problems"));
        await page.GetByTestId("coach-send").ClickAsync(); // send anyway
        await page.GetByTestId("answer").WaitForAsync(new() { Timeout = 60_000 });

        await page.GetByTestId("camera-input").SetInputFilesAsync(LeafPhoto);
        await Expect(page.GetByTestId("answer")).ToHaveAttributeAsync("data-label", "rust", new() { Timeout = 60_000 });
        await Expect(page.GetByTestId("coach")).ToHaveCountAsync(0);
    }
}
