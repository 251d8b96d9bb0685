using System.Text.Json;
using CropVision.FieldStore.Infrastructure;
using CropVision.FieldStore.Model;
using CropVision.FieldStore.Observations;
using CropVision.FieldStore.Plots;
using CropVision.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace CropVision.Tests.FieldStore;

/// <summary>Plots and the review trail in the store, on SQLite and (when configured) PostgreSQL.</summary>
[Trait("Category", "Postgres")]
public sealed class PlotAndReviewTrailStoreTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 3, 0, 0, TimeSpan.Zero);

    private static async Task<(TestDatabase Db, ServiceProvider Services, Guid SurveyId)> StartAsync(string provider)
    {
        var db = await TestDatabase.CreateAsync(provider);
        var services = await db.StoreServicesAsync(new FakeTimeProvider(Now));
        await using var scope = services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<FieldStoreContext>();
        var survey = new Survey { Id = Guid.NewGuid(), Name = "Lô cà phê", Crop = "coffee", Team = "north", CreatedBy = "lan", Commune = "Hà Mòn", CreatedAt = Now, UpdatedAt = Now };
        context.Surveys.Add(survey);
        await context.SaveChangesAsync();
        return (db, services, survey.Id);
    }

    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Plot_codes_are_unique_per_team_and_code_and_commune_follow_onto_observations(string provider)
    {
        var (db, services, surveyId) = await StartAsync(provider);
        await using var _ = db; await using var __ = services;
        await using var scope = services.CreateAsyncScope();
        var plots = scope.ServiceProvider.GetRequiredService<PlotStore>();
        var context = scope.ServiceProvider.GetRequiredService<FieldStoreContext>();

        // "Lô A" typed on a Mac arrives decomposed; it is the same code.
        var a = await plots.CreateAsync(new Plot { Team = "north", Code = " Lô A ".Normalize(System.Text.NormalizationForm.FormD), CreatedBy = "lan" }, default);
        Assert.Equal("Lô A", a.Code);
        await Assert.ThrowsAsync<PlotCodeTakenException>(() => plots.CreateAsync(new Plot { Team = "north", Code = "Lô A", CreatedBy = "lan" }, default));
        await plots.CreateAsync(new Plot { Team = "south", Code = "Lô A", CreatedBy = "mai" }, default); // another team's own

        var (byCode, created) = await plots.EnsureAsync("north", ["Lô A", "Lô B", null, "Lô B"], "lan", default);
        Assert.Equal(["Lô B"], created);
        Assert.Equal(a.Id, byCode["Lô A"].Id);

        var obs = (await scope.ServiceProvider.GetRequiredService<ObservationStore>().AddAsync(new ObservationInput
        {
            Crop = "coffee", SurveyId = surveyId, PlotCode = "Lô A", PlotId = a.Id, Model = new ModelAnswer(1, "rust", 0.9, "2", "ok"),
        }, StorePhotos.Jpeg(5), default)).Observation;
        Assert.Equal(a.Id, obs.PlotId);

        await plots.UpdateAsync(a, p => { p.Code = "Lô A1"; p.Commune = "Ngọk Wang"; }, default);
        var row = await context.Observations.AsNoTracking().SingleAsync(o => o.Id == obs.Id);
        Assert.Equal(("Lô A1", "Ngọk Wang"), (row.PlotCode, row.Commune));
        await Assert.ThrowsAsync<PlotCodeTakenException>(() => plots.UpdateAsync(byCode["Lô B"], p => p.Code = "Lô A1", default));

        Assert.True(await plots.DeleteAsync(a.Id, default));
        row = await context.Observations.AsNoTracking().SingleAsync(o => o.Id == obs.Id);
        Assert.Equal((null, "Lô A1"), (row.PlotId, row.PlotCode)); // the code stays as text
        Assert.Equal(2, await context.Plots.CountAsync());
    }

    [Fact]
    public void Boundary_area_is_measured_on_the_sphere()
    {
        // A 0.001° x 0.001° cell at Kon Tum's latitude: on a sphere its area is R² Δλ (sin φ2 - sin φ1).
        double lon = 107.99, lat = 14.35, d = 0.001;
        var ring = $"[[{lon},{lat}],[{lon + d},{lat}],[{lon + d},{lat + d}],[{lon},{lat + d}]]"; // left open: closed on reading
        var (json, area) = PlotGeometry.Parse(JsonDocument.Parse($"{{\"type\":\"Polygon\",\"coordinates\":[{ring}]}}").RootElement);
        double r = PlotGeometry.EarthRadius, rad = Math.PI / 180;
        double expected = r * r * d * rad * (Math.Sin((lat + d) * rad) - Math.Sin(lat * rad));
        Assert.InRange(area, expected * 0.999, expected * 1.001);
        Assert.InRange(area, 11_500, 12_500); // about 107.7 m x 110.6 m
        Assert.Equal(5, JsonDocument.Parse(json).RootElement.GetProperty("coordinates")[0].GetArrayLength());

        foreach (var bad in new[] { "{\"type\":\"Point\",\"coordinates\":[1,2]}", "{\"type\":\"Polygon\",\"coordinates\":[[[1,2],[3,4]]]}",
                     "{\"type\":\"Polygon\",\"coordinates\":[[[1,2],[3,95],[5,6]]]}", "[1,2]" })
            Assert.Throws<CropVision.FieldStore.FieldStoreValidationException>(() => PlotGeometry.Parse(JsonDocument.Parse(bad).RootElement));
    }

    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Every_verdict_is_an_event_and_undo_steps_back_with_a_new_event(string provider)
    {
        var (db, services, surveyId) = await StartAsync(provider);
        await using var _ = db; await using var __ = services;
        Guid id;
        await using (var scope = services.CreateAsyncScope())
            id = (await scope.ServiceProvider.GetRequiredService<ObservationStore>().AddAsync(new ObservationInput
            {
                Crop = "coffee", SurveyId = surveyId, Model = new ModelAnswer(1, "rust", 0.9, "2", "ok"),
            }, StorePhotos.Jpeg(7), default)).Observation.Id;

        async Task ReviewAsync(string by, Action<Observation> change, string? comment = null)
        {
            await using var scope = services.CreateAsyncScope();
            var context = scope.ServiceProvider.GetRequiredService<FieldStoreContext>();
            var o = await context.Observations.SingleAsync(x => x.Id == id);
            change(o);
            await scope.ServiceProvider.GetRequiredService<ObservationStore>().SaveReviewAsync(o, by, comment, default);
        }
        async Task<(Observation O, ReviewEvent? Undo)> UndoAsync()
        {
            await using var scope = services.CreateAsyncScope();
            var o = await scope.ServiceProvider.GetRequiredService<FieldStoreContext>().Observations.SingleAsync(x => x.Id == id);
            var undo = await scope.ServiceProvider.GetRequiredService<ReviewTrail>().UndoAsync(o, "hoa", null, default);
            return (o, undo);
        }

        await ReviewAsync("lan", o => (o.ConfirmedLabel, o.ConfirmedSeverity, o.ReviewedBy, o.ReviewedAt) = ("rust", "2", "lan", Now));
        await ReviewAsync("mai", o => (o.ConfirmedLabel, o.ConfirmedSeverity) = ("miner", "1"), "vết đục lá");
        await ReviewAsync("mai", o => o.Notes = "only notes"); // no verdict change, no comment: no event

        var (after, undo) = await UndoAsync();
        Assert.Equal(("rust", "2", true), (after.ConfirmedLabel, after.ConfirmedSeverity, after.IsReviewed));
        (after, var second) = await UndoAsync();
        Assert.Equal((null, null, false), (after.ConfirmedLabel, after.ConfirmedSeverity, after.IsReviewed));
        Assert.Null((await UndoAsync()).Undo); // nothing left

        await using var read = services.CreateAsyncScope();
        var trail = await read.ServiceProvider.GetRequiredService<ReviewTrail>().ListAsync(id, default);
        Assert.Equal([ReviewEventKind.Review, ReviewEventKind.Review, ReviewEventKind.Undo, ReviewEventKind.Undo], trail.Select(e => e.Kind));
        Assert.Equal(("rust", "miner", "vết đục lá", "mai"), (trail[1].FromLabel, trail[1].ToLabel, trail[1].Comment, trail[1].By));
        Assert.Equal((trail[1].Id, trail[0].Id), (undo!.UndoesEventId!.Value, second!.UndoesEventId!.Value));
        Assert.Equal((false, true), (trail[0].FromReviewed, trail[0].ToReviewed));

        // The trail goes with its survey.
        Assert.True(await read.ServiceProvider.GetRequiredService<ObservationStore>().DeleteSurveyAsync(surveyId, default));
        Assert.Equal(0, await read.ServiceProvider.GetRequiredService<FieldStoreContext>().ReviewEvents.CountAsync());
    }
}
