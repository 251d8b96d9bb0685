using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CropVision.FieldStore.Infrastructure;
using CropVision.FieldStore.Model;
using CropVision.FieldStore.Observations;
using CropVision.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CropVision.Tests.Api;

/// <summary>GET /v1/review ranks what officers should look at first; PATCH /v1/review/{id} records the verdict.</summary>
[Trait("Category", "Postgres")]
public sealed class ReviewQueueTests(OfficerServices services) : IClassFixture<OfficerServices>
{
    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task The_queue_puts_doubtful_photos_first_and_a_verdict_takes_one_out(string provider)
    {
        var service = await services.GetAsync(provider);
        var team = $"team-{Guid.NewGuid():N}"[..12];
        using var officer = await service.NewOfficerAsync(team);
        var seed = Random.Shared.Next(1000, 1_000_000); // photos unique to this test in the shared store
        var ours = await AddSurveyAsync(service, team);
        var theirs = await AddSurveyAsync(service, "someone-else");
        for (int i = 0; i < 3; i++) await AddAsync(service, ours, seed + i, "ok", "rust", lat: 14.60, reviewedAs: "rust");
        var uncertain = await AddAsync(service, ours, seed + 10, "uncertain", "rust", lat: 14.60);
        var plain = await AddAsync(service, ours, seed + 11, "ok", "rust", lat: 14.60);
        var farmer = await AddAsync(service, null, seed + 12, "ok", "rust", verdict: FarmerVerdict.Wrong, farmerLabel: "miner");
        var hidden = await AddAsync(service, theirs, seed + 13, "uncertain", "rust", lat: 14.60);

        var queue = await officer.GetFromJsonAsync<JsonElement>("/v1/review?crop=coffee&limit=200");
        var ids = queue.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("observation").GetProperty("id").GetGuid()).ToList();
        Assert.DoesNotContain(hidden, ids); // another team's survey
        Assert.True(ids.IndexOf(farmer) < ids.IndexOf(uncertain) && ids.IndexOf(uncertain) < ids.IndexOf(plain), string.Join(", ", ids));
        var first = queue.GetProperty("items").EnumerateArray().First(i => i.GetProperty("observation").GetProperty("id").GetGuid() == farmer);
        Assert.Equal(["farmer said wrong", "model and farmer disagree", "rare class"], first.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(HttpStatusCode.OK, (await officer.GetAsync(first.GetProperty("thumbnailUrl").GetString())).StatusCode);

        var reviewed = await officer.PatchAsJsonAsync($"/v1/review/{farmer}", new { confirmedLabel = "miner", confirmedSeverity = "1" });
        Assert.Equal(HttpStatusCode.OK, reviewed.StatusCode);
        var after = await officer.GetFromJsonAsync<JsonElement>("/v1/review?crop=coffee&limit=200");
        Assert.DoesNotContain(farmer, after.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("observation").GetProperty("id").GetGuid()));
        await using (var scope = service.Factory.Services.CreateAsyncScope())
        {
            var o = await scope.ServiceProvider.GetRequiredService<FieldStoreContext>().Observations.AsNoTracking().SingleAsync(x => x.Id == farmer);
            Assert.Equal(("miner", "1", true), (o.ConfirmedLabel, o.ConfirmedSeverity, o.ReviewedBy is not null));
        }

        Assert.Equal(HttpStatusCode.NotFound, (await officer.PatchAsJsonAsync($"/v1/review/{hidden}", new { confirmedLabel = "rust" })).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await officer.PatchAsJsonAsync($"/v1/review/{plain}", new { confirmedLabel = "banana" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await officer.GetAsync("/v1/review")).StatusCode);
        using var anonymous = service.Anonymous();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/v1/review?crop=coffee")).StatusCode);
    }

    private static async Task<Guid> AddSurveyAsync(OfficerService service, string team)
    {
        await using var scope = service.Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<FieldStoreContext>();
        var survey = new Survey { Id = Guid.NewGuid(), Name = "review test", Crop = "coffee", Team = team, CreatedBy = "lan" };
        db.Surveys.Add(survey);
        await db.SaveChangesAsync();
        return survey.Id;
    }

    private static async Task<Guid> AddAsync(OfficerService service, Guid? survey, int seed, string status, string label, double? lat = null,
        string? reviewedAs = null, FarmerVerdict? verdict = null, string? farmerLabel = null)
    {
        await using var scope = service.Factory.Services.CreateAsyncScope();
        var added = await scope.ServiceProvider.GetRequiredService<ObservationStore>().AddAsync(new ObservationInput
        {
            Crop = "coffee", SurveyId = survey, Source = survey is null ? ObservationSource.FarmerFeedback : ObservationSource.Survey,
            ClientLatitude = lat, ClientLongitude = lat is null ? null : 108.0, UsePhotoPosition = false,
            Model = new ModelAnswer(2, label, 0.7, "1", status), FarmerVerdict = verdict, FarmerLabel = farmerLabel,
        }, StorePhotos.Jpeg(seed), CancellationToken.None);
        if (reviewedAs is not null)
            await scope.ServiceProvider.GetRequiredService<FieldStoreContext>().Observations.Where(o => o.Id == added.Observation.Id)
                .ExecuteUpdateAsync(u => u.SetProperty(o => o.ConfirmedLabel, reviewedAs).SetProperty(o => o.ReviewedAt, DateTimeOffset.UtcNow).SetProperty(o => o.ReviewedBy, "lan"));
        return added.Observation.Id;
    }
}
