using CropVision.FieldStore.Model;
using CropVision.FieldStore.Observations;
using CropVision.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CropVision.Tests.Browser;

/// <summary>The review queue page: a farmer's "wrong" verdict shows first with its reasons; one tap records the officer's label.</summary>
[Trait("Category", "Browser")]
public sealed class ReviewPageTests(WebAppFixture app) : IClassFixture<WebAppFixture>
{
    [BrowserFact(needsBracol: false)]
    public async Task Officer_reviews_a_farmers_wrong_verdict_from_the_queue()
    {
        await using (var scope = app.Service.Services.CreateAsyncScope())
        {
            var store = scope.ServiceProvider.GetRequiredService<ObservationStore>();
            await store.AddAsync(new ObservationInput
            {
                Crop = "coffee", Source = ObservationSource.FarmerFeedback, UsePhotoPosition = false,
                Model = new ModelAnswer(2, "rust", 0.55, "1", "uncertain"), FarmerVerdict = FarmerVerdict.Wrong, FarmerLabel = "miner",
            }, StorePhotos.Jpeg(4242), CancellationToken.None);
            // A photo the farmer's phone answered offline: the phone said phoma, the service (on arrival) healthy.
            await store.AddAsync(new ObservationInput
            {
                Crop = "coffee", Source = ObservationSource.FarmerFeedback, UsePhotoPosition = false, ClientId = Guid.NewGuid(),
                Model = new ModelAnswer(3, "healthy", 0.9, "0", "ok"), Device = new DeviceAnswer(3, "phoma", 0.8, "2", "ok", null),
            }, StorePhotos.Jpeg(4243), CancellationToken.None);
        }
        await using var desk = await app.NewDesktopAsync();
        var page = await desk.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        await page.GotoAsync("/officer/");
        await page.GetByTestId("user").FillAsync(OfficerService.AdminUser);
        await page.GetByTestId("password").FillAsync(OfficerService.AdminPassword);
        await page.GetByTestId("sign-in").ClickAsync();
        await page.GetByTestId("nav-review").ClickAsync();

        var first = page.GetByTestId("review-row").First;
        await Expect(first).ToContainTextAsync(WebStrings.Vi("officer.why.farmer said wrong"));
        await Expect(first).ToContainTextAsync(WebStrings.Vi("officer.why.model uncertain"));
        if (Environment.GetEnvironmentVariable("CROPVISION_SCREENSHOTS") is { Length: > 0 } shots)
        {
            Directory.CreateDirectory(shots);
            await page.ScreenshotAsync(new() { Path = Path.Combine(shots, "officer-review-vi.png"), FullPage = true });
        }
        var phone = page.GetByTestId("review-row").Filter(new() { Has = page.GetByTestId("review-ondevice") });
        await Expect(phone).ToHaveCountAsync(1);
        await Expect(phone.GetByTestId("review-ondevice")).ToHaveTextAsync("Trả lời trên điện thoại");
        await Expect(phone).ToContainTextAsync(WebStrings.Vi("officer.why.phone and service disagree"));
        await Expect(phone.GetByTestId("review-phone")).ToContainTextAsync("80%");
        await Expect(phone).ToContainTextAsync("90%"); // the service's answer beside it
        await first.GetByTestId("review-severity").SelectOptionAsync("1");
        await first.GetByTestId("review-label").SelectOptionAsync("miner");
        await Expect(first.GetByTestId("reviewed")).ToBeVisibleAsync();
        Assert.Empty(errors);
    }
}
