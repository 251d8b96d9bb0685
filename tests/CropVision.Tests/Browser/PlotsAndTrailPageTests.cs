using CropVision.FieldStore.Infrastructure;
using CropVision.FieldStore.Model;
using CropVision.FieldStore.Observations;
using CropVision.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CropVision.Tests.Browser;

/// <summary>
/// On the officer pages (desktop size; the phone layout is tested with the cards): a review on the survey page and its undo both show in the observation's trail, the summary
/// leads with "% lá bị bệnh", and the plots page creates a plot with a boundary tapped on the map.
/// </summary>
[Trait("Category", "Browser")]
public sealed class PlotsAndTrailPageTests(WebAppFixture app) : IClassFixture<WebAppFixture>
{
    [BrowserFact(needsBracol: false)]
    public async Task A_review_and_its_undo_show_in_the_trail_and_the_plots_page_creates_a_plot()
    {
        Guid surveyId;
        await using (var scope = app.Service.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<FieldStoreContext>();
            var survey = new Survey { Id = Guid.NewGuid(), Name = "Lô thử nghiệm", Crop = "coffee", Team = "province", CreatedBy = OfficerService.AdminUser, Commune = "Hà Mòn" };
            db.Surveys.Add(survey);
            await db.SaveChangesAsync();
            surveyId = survey.Id;
            await scope.ServiceProvider.GetRequiredService<ObservationStore>().AddAsync(new ObservationInput
            {
                Crop = "coffee", SurveyId = surveyId, PlotCode = "Lô 1", ClientLatitude = 14.66, ClientLongitude = 107.91, UsePhotoPosition = false,
                Model = new ModelAnswer(2, "rust", 0.81, "2", "ok"),
            }, StorePhotos.Jpeg(5151), CancellationToken.None);
        }

        await using var desk = await app.NewDesktopAsync();
        var page = await desk.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync();
        await page.GotoAsync("/officer/");
        await page.GetByTestId("user").FillAsync(OfficerService.AdminUser);
        await page.GetByTestId("password").FillAsync(OfficerService.AdminPassword);
        await page.GetByTestId("sign-in").ClickAsync();
        await Expect(page.GetByTestId("nav-plots")).ToBeVisibleAsync();

        await page.GotoAsync($"/officer/#/surveys/{surveyId}");
        await Expect(page.GetByTestId("diseased-share")).ToContainTextAsync("100%");
        var row = page.GetByTestId("observation-row").First;
        await row.GetByTestId("confirm").ClickAsync();
        await Expect(row.GetByTestId("reviewed")).ToBeVisibleAsync();
        await row.GetByTestId("observation-details").Locator("summary").ClickAsync();
        var events = row.GetByTestId("trail-event");
        await Expect(events).ToHaveCountAsync(1);
        await Expect(events.First).ToHaveAttributeAsync("data-kind", "review");
        await row.GetByTestId("undo").ClickAsync();
        await Expect(events).ToHaveCountAsync(2);
        await Expect(events.Nth(1)).ToHaveAttributeAsync("data-kind", "undo");
        await Expect(events.Nth(1)).ToContainTextAsync(WebStrings.Vi("officer.notReviewed"));
        await Expect(row.GetByTestId("confirm")).ToBeVisibleAsync(); // back to unreviewed

        await page.GetByTestId("nav-plots").ClickAsync();
        await page.GetByTestId("plot-code").FillAsync("Lô Mới");
        await page.GetByTestId("plot-commune").FillAsync("Ngọk Réo");
        var map = page.GetByTestId("plot-map");
        await map.ScrollIntoViewIfNeededAsync();
        foreach (var (x, y) in new[] { (100f, 100f), (220f, 100f), (160f, 200f) })
            await map.ClickAsync(new LocatorClickOptions { Position = new Position { X = x, Y = y } });
        await Expect(page.GetByTestId("plot-corners")).ToHaveTextAsync(WebStrings.Vi("officer.plotCorners").Replace("{count}", "3"));
        await page.GetByTestId("plot-save").ClickAsync();
        await Expect(page.GetByTestId("plots").GetByTestId("plot-card-code")).ToHaveTextAsync(["Lô Mới"]);
        await Expect(page.GetByTestId("plot-code")).ToHaveValueAsync(""); // the form is new again

        await using (var scope = app.Service.Services.CreateAsyncScope())
        {
            var plot = await scope.ServiceProvider.GetRequiredService<FieldStoreContext>().Plots.AsNoTracking().SingleAsync(p => p.Code == "Lô Mới");
            Assert.Equal(("Ngọk Réo", "province"), (plot.Commune, plot.Team));
            Assert.Contains("Polygon", plot.BoundaryGeoJson);
            Assert.True(plot.AreaM2 > 0);
        }

        // Delete asks first (the dialog is accepted here) and the list loses it.
        await page.GetByTestId("plot").Filter(new() { HasText = "Lô Mới" }).GetByTestId("plot-delete").ClickAsync();
        await Expect(page.GetByTestId("plot")).ToHaveCountAsync(0);
        await Expect(page.GetByText(WebStrings.Vi("officer.noPlots"))).ToBeVisibleAsync();
        Assert.Empty(errors);
    }

    [BrowserFact(needsBracol: false)]
    public async Task In_the_queue_an_officer_sides_with_the_farmer_corrects_the_severity_alone_and_undoes()
    {
        Guid id;
        await using (var scope = app.Service.Services.CreateAsyncScope())
            id = (await scope.ServiceProvider.GetRequiredService<ObservationStore>().AddAsync(new ObservationInput
            {
                Crop = "coffee", Source = ObservationSource.FarmerFeedback, UsePhotoPosition = false,
                Model = new ModelAnswer(2, "rust", 0.55, "1", "uncertain"), FarmerVerdict = FarmerVerdict.Wrong, FarmerLabel = "miner",
            }, StorePhotos.Jpeg(6161), CancellationToken.None)).Observation.Id;

        await using var desk = await app.NewDesktopAsync();
        var page = await desk.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        await page.GotoAsync("/officer/");
        await page.GetByTestId("user").FillAsync(OfficerService.AdminUser);
        await page.GetByTestId("password").FillAsync(OfficerService.AdminPassword);
        await page.GetByTestId("sign-in").ClickAsync();
        await page.GetByTestId("nav-review").ClickAsync();

        var first = page.GetByTestId("review-row").First; // the farmer's "wrong" on an uncertain answer ranks first
        await Expect(first.GetByTestId("review-agree-model")).ToBeVisibleAsync();
        await Expect(first.GetByTestId("review-confirm")).ToHaveCountAsync(0); // no bare "Đúng" for a farmer's "wrong"
        await first.GetByTestId("review-agree-farmer").ClickAsync(); // no severity chosen: not required
        await Expect(first.GetByTestId("reviewed")).ToBeVisibleAsync();
        await page.RunAndWaitForResponseAsync(() => first.GetByTestId("review-severity").SelectOptionAsync("2"),
            r => r.Url.EndsWith($"/v1/review/{id}") && r.Request.Method == "PATCH");
        await using (var scope = app.Service.Services.CreateAsyncScope())
        {
            var o = await scope.ServiceProvider.GetRequiredService<FieldStoreContext>().Observations.AsNoTracking().SingleAsync(x => x.Id == id);
            Assert.Equal(("miner", "2"), (o.ConfirmedLabel, o.ConfirmedSeverity));
            var trail = await scope.ServiceProvider.GetRequiredService<ReviewTrail>().ListAsync(id, CancellationToken.None);
            Assert.Equal(WebStrings.Vi("officer.agreeFarmer"), trail[0].Comment);
            Assert.Equal(("miner", "2"), (trail[1].ToLabel, trail[1].ToSeverity));
        }

        await first.GetByTestId("review-undo").ClickAsync();
        await Expect(first.GetByTestId("reviewed")).ToBeVisibleAsync(); // one step back: miner, no grade
        await first.GetByTestId("review-undo").ClickAsync();
        await Expect(first.GetByTestId("review-agree-farmer")).ToBeVisibleAsync(); // unreviewed again
        await using (var scope = app.Service.Services.CreateAsyncScope())
        {
            var o = await scope.ServiceProvider.GetRequiredService<FieldStoreContext>().Observations.AsNoTracking().SingleAsync(x => x.Id == id);
            Assert.False(o.IsReviewed);
            Assert.Equal(4, (await scope.ServiceProvider.GetRequiredService<ReviewTrail>().ListAsync(id, CancellationToken.None)).Count);
        }
        Assert.Empty(errors);
    }

    [BrowserFact(needsBracol: false)]
    public async Task The_plots_page_fits_a_360_px_phone_with_48_px_targets()
    {
        await using var phone = await app.NewPhoneAsync();
        var page = await phone.NewPageAsync();
        await page.GotoAsync("/officer/");
        await page.GetByTestId("user").FillAsync(OfficerService.AdminUser);
        await page.GetByTestId("password").FillAsync(OfficerService.AdminPassword);
        await page.GetByTestId("sign-in").ClickAsync();
        await page.GetByTestId("nav-plots").ClickAsync(); // as an officer would, once signed in (waits for the header)
        await Expect(page.GetByTestId("plot-form")).ToBeVisibleAsync();
        // The page's own content (the shared header is the phone layout's business) stays within the screen.
        var wide = await page.EvaluateAsync<string[]>("""
            [...document.querySelectorAll('main.officer *')].filter((e) => !e.parentElement.closest('.leaflet-container')) // the map clips its own panes
              .filter((e) => e.getBoundingClientRect().right > innerWidth + 1)
              .map((e) => `${e.tagName}.${e.className}`)
            """);
        Assert.Empty(wide);
        var small = await page.EvaluateAsync<string[]>("""
            [...document.querySelectorAll('main.officer button, main.officer input')].filter((e) => e.getBoundingClientRect().height < 48)
              .map((e) => e.dataset.testid ?? e.name)
            """);
        Assert.Empty(small);
    }
}
