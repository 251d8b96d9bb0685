using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CropVision.FieldStore.Model;
using CropVision.FieldStore.Observations;
using CropVision.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using static CropVision.Tests.Support.ServiceRequests;

namespace CropVision.Tests.Api.Surveys;

/// <summary>/v1/plots, plots from zip folders and plots.csv, plot and position edits, the summary by plot, the review trail over HTTP.</summary>
[Trait("Category", "Postgres")]
public sealed class PlotApiTests(OfficerServices services) : IClassFixture<OfficerServices>
{
    private static string Team() => $"team-{Guid.NewGuid():N}"[..12];

    private static readonly object Square = new
    {
        type = "Polygon",
        coordinates = new[] { new[] { new[] { 107.99, 14.35 }, new[] { 107.991, 14.35 }, new[] { 107.991, 14.351 }, new[] { 107.99, 14.351 }, new[] { 107.99, 14.35 } } },
    };

    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Plots_are_a_teams_records_with_unique_codes_and_a_measured_boundary(string provider)
    {
        var service = await services.GetAsync(provider);
        string team = Team();
        using var officer = await service.NewOfficerAsync(team);
        using var other = await service.NewOfficerAsync(Team());
        using var admin = await service.AdminAsync();

        var created = await officer.PostAsJsonAsync("/v1/plots", new { code = "Lô A", name = "Vườn ông Ksor", commune = "Hà Mòn", owner = "ND-017", boundary = Square });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var plot = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = plot.GetProperty("id").GetGuid();
        Assert.Equal(("boundary", team), (plot.GetProperty("areaSource").GetString(), plot.GetProperty("team").GetString()));
        Assert.InRange(plot.GetProperty("areaM2").GetDouble(), 11_500, 12_500);
        Assert.Equal("Polygon", plot.GetProperty("boundary").GetProperty("type").GetString());

        var taken = await Problem(await officer.PostAsJsonAsync("/v1/plots", new { code = "Lô A" }), HttpStatusCode.Conflict);
        Assert.Equal("Lô A", taken.GetProperty("plotCode").GetString());
        Assert.Equal(HttpStatusCode.Created, (await other.PostAsJsonAsync("/v1/plots", new { code = "Lô A" })).StatusCode); // their own Lô A
        await Problem(await officer.PostAsJsonAsync("/v1/plots", new { name = "no code" }), HttpStatusCode.BadRequest);
        await Problem(await officer.PostAsJsonAsync("/v1/plots", new { code = "Lô X", boundary = new { type = "Point", coordinates = new[] { 1.0, 2.0 } } }), HttpStatusCode.BadRequest);
        await Problem(await officer.PostAsJsonAsync("/v1/plots", new { code = "Lô X", areaM2 = -5 }), HttpStatusCode.BadRequest);
        var entered = await (await officer.PostAsJsonAsync("/v1/plots", new { code = "Lô B", commune = "Ngọk Réo", areaM2 = 2500 })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("entered", 2500.0), (entered.GetProperty("areaSource").GetString(), entered.GetProperty("areaM2").GetDouble()));

        // Team scope: the other team sees neither the plot nor the list entries; an admin sees all.
        await Problem(await other.GetAsync($"/v1/plots/{id}"), HttpStatusCode.NotFound);
        await Problem(await other.PatchAsJsonAsync($"/v1/plots/{id}", new { name = "mine" }), HttpStatusCode.NotFound);
        await Problem(await other.DeleteAsync($"/v1/plots/{id}"), HttpStatusCode.NotFound);
        var mine = await officer.GetFromJsonAsync<JsonElement>("/v1/plots?pageSize=1");
        Assert.Equal((2, 1), (mine.GetProperty("total").GetInt32(), mine.GetProperty("items").GetArrayLength()));
        var inCommune = await officer.GetFromJsonAsync<JsonElement>("/v1/plots?commune=Ngọk%20Réo");
        Assert.Equal(["Lô B"], inCommune.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("code").GetString()));
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/v1/plots/{id}")).StatusCode);
        await Problem(await officer.GetAsync("/v1/plots?pageSize=500"), HttpStatusCode.BadRequest);

        var changed = await officer.PatchAsJsonAsync($"/v1/plots/{id}", new { code = "Lô A1", clearBoundary = true, areaM2 = 900 });
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        var after = await changed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("Lô A1", "entered", 900.0), (after.GetProperty("code").GetString(), after.GetProperty("areaSource").GetString(), after.GetProperty("areaM2").GetDouble()));
        await Problem(await officer.PatchAsJsonAsync($"/v1/plots/{id}", new { code = "Lô B" }), HttpStatusCode.Conflict);
        Assert.Equal(HttpStatusCode.NoContent, (await officer.DeleteAsync($"/v1/plots/{id}")).StatusCode);
        await Problem(await officer.GetAsync($"/v1/plots/{id}"), HttpStatusCode.NotFound);
    }

    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_zip_takes_plots_from_plots_csv_then_folders_then_the_typed_code_and_the_summary_counts_by_them(string provider)
    {
        var service = await services.GetAsync(provider);
        using var officer = await service.NewOfficerAsync(Team());
        var id = (await SurveyRequests.CreateSurveyAsync(officer)).GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.Created, (await officer.PostAsJsonAsync("/v1/plots", new { code = "Lo-A", commune = "Ngọk Réo" })).StatusCode);
        int seed = Random.Shared.Next(1000, 1_000_000);
        // A header, ';' between fields, a BOM, quotes and Vietnamese text; 5.jpg is in Lo-B/ but the sidecar says Lô D.
        var csv = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("tệp;lô\r\n\"5.jpg\";\"Lô D\"\r\nkhông-có.jpg;Lô Z\r\n")).ToArray();
        var zip = SurveyRequests.Zip(
            ("Lo-A/", []), ("Lo-A/1.jpg", LeafJpeg(seed)), ("Lo-A/2.jpg", LeafJpeg(seed + 1)),
            ("Lo-B/", []), ("Lo-B/3.jpg", LeafJpeg(seed + 2)), ("Lo-B/5.jpg", LeafJpeg(seed + 4)),
            ("4.jpg", LeafJpeg(seed + 3)), ("plots.csv", csv));

        var started = await officer.PostAsync($"/v1/surveys/{id}/imports?plot={Uri.EscapeDataString("Lô C")}", SurveyRequests.ZipBody(zip));
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var queued = await started.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((8, 5), (queued.GetProperty("totalEntries").GetInt32(), queued.GetProperty("totalPhotos").GetInt32()));
        var job = await SurveyRequests.WaitForJobAsync(officer, started.Headers.Location!.ToString(), TimeSpan.FromMinutes(2));

        Assert.Equal(("completed", 5, 5, 0), (job.GetProperty("state").GetString(), job.GetProperty("processedPhotos").GetInt32(), job.GetProperty("added").GetInt32(), job.GetProperty("failed").GetInt32()));
        Assert.Equal(["Lo-B", "Lô C", "Lô D"], job.GetProperty("plotsCreated").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(["Lo-A", "Lo-B", "Lô C", "Lô D"], job.GetProperty("plotsUsed").EnumerateArray().Select(p => p.GetString()));

        var list = await officer.GetFromJsonAsync<JsonElement>($"/v1/surveys/{id}/observations");
        var byName = list.GetProperty("items").EnumerateArray().ToDictionary(o => o.GetProperty("originalName").GetString()!);
        Assert.Equal(("Lo-A", "Lo-A", "Lo-B", "Lô C", "Lô D"), (Plot(byName["Lo-A/1.jpg"]), Plot(byName["Lo-A/2.jpg"]), Plot(byName["Lo-B/3.jpg"]), Plot(byName["4.jpg"]), Plot(byName["Lo-B/5.jpg"])));
        Assert.Equal("Ngọk Réo", byName["Lo-A/1.jpg"].GetProperty("commune").GetString()); // the plot record's commune
        var plots = await officer.GetFromJsonAsync<JsonElement>("/v1/plots");
        Assert.Equal(4, plots.GetProperty("total").GetInt32());
        Assert.All(byName.Values, o => Assert.NotEqual(JsonValueKind.Null, o.GetProperty("plotId").ValueKind));

        // Officer verdicts make the summary certain: Lo-A rust x2, Lo-B healthy, Lô C healthy, Lô D rust.
        foreach (var (name, label) in new[] { ("Lo-A/1.jpg", "rust"), ("Lo-A/2.jpg", "rust"), ("Lo-B/3.jpg", "healthy"), ("4.jpg", "healthy"), ("Lo-B/5.jpg", "rust") })
            Assert.Equal(HttpStatusCode.OK, (await officer.PatchAsJsonAsync($"/v1/surveys/{id}/observations/{byName[name].GetProperty("id")}", new { confirmedLabel = label })).StatusCode);
        var summary = await officer.GetFromJsonAsync<JsonElement>($"/v1/surveys/{id}/summary");
        Assert.Equal((3, 0.6), (summary.GetProperty("overall").GetProperty("diseased").GetInt32(), summary.GetProperty("overall").GetProperty("diseasedShare").GetDouble()));
        var byPlot = summary.GetProperty("byPlot").EnumerateArray().ToDictionary(g => g.GetProperty("key").GetString()!, g => g.GetProperty("diseasedShare").GetDouble());
        Assert.Equal(new Dictionary<string, double> { ["Lo-A"] = 1, ["Lo-B"] = 0, ["Lô C"] = 0, ["Lô D"] = 1 }, byPlot);
        var byCommune = summary.GetProperty("byCommune").EnumerateArray().ToDictionary(g => g.GetProperty("key").GetString()!, g => (g.GetProperty("assessed").GetInt32(), g.GetProperty("diseased").GetInt32()));
        Assert.Equal(new Dictionary<string, (int, int)> { ["Hà Mòn"] = (3, 1), ["Ngọk Réo"] = (2, 2) }, byCommune);
    }

    private static string? Plot(JsonElement o) => o.GetProperty("plotCode").GetString();

    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Plot_and_position_are_edited_and_every_review_step_is_in_the_trail_and_undone_by_a_new_one(string provider)
    {
        var service = await services.GetAsync(provider);
        using var officer = await service.NewOfficerAsync(Team());
        using var other = await service.NewOfficerAsync(Team());
        var id = (await SurveyRequests.CreateSurveyAsync(officer)).GetProperty("id").GetString();
        var form = SurveyRequests.Photos((LeafJpeg(Random.Shared.Next(1000, 1_000_000)), "leaf.jpg"));
        form.Add(new StringContent("P-1"), "plot");
        var added = await officer.PostAsync($"/v1/surveys/{id}/observations", form);
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        var obs = await added.Content.ReadFromJsonAsync<JsonElement>();
        var url = $"/v1/surveys/{id}/observations/{obs.GetProperty("id")}";
        var p1 = (await officer.GetFromJsonAsync<JsonElement>("/v1/plots")).GetProperty("items").EnumerateArray().Single();
        Assert.Equal(("P-1", p1.GetProperty("id").GetGuid()), (obs.GetProperty("plotCode").GetString(), obs.GetProperty("plotId").GetGuid()));

        var moved = await (await officer.PatchAsJsonAsync(url, new { plotCode = "P-2", latitude = 14.3512, longitude = 108.0021 })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("P-2", "officer", 14.3512), (moved.GetProperty("plotCode").GetString(), moved.GetProperty("positionSource").GetString(), moved.GetProperty("latitude").GetDouble()));
        Assert.False(moved.GetProperty("reviewed").GetBoolean()); // moving is not reviewing
        await Problem(await officer.PatchAsJsonAsync(url, new { latitude = 14.0 }), HttpStatusCode.BadRequest);
        await Problem(await officer.PatchAsJsonAsync(url, new { latitude = 95.0, longitude = 108.0 }), HttpStatusCode.BadRequest);
        var theirs = await (await other.PostAsJsonAsync("/v1/plots", new { code = "Q-1" })).Content.ReadFromJsonAsync<JsonElement>();
        await Problem(await officer.PatchAsJsonAsync(url, new { plotId = theirs.GetProperty("id").GetGuid() }), HttpStatusCode.UnprocessableEntity);
        var back = await (await officer.PatchAsJsonAsync(url, new { plotId = p1.GetProperty("id").GetGuid() })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("P-1", back.GetProperty("plotCode").GetString());

        // A label with a comment, then the severity alone: two events. The label is not the model's, so confirming it
        // does not take the model's severity along.
        var label = obs.GetProperty("model").GetProperty("label").GetString() == "rust" ? "phoma" : "rust";
        await officer.PatchAsJsonAsync(url, new { confirmedLabel = label, comment = "gỉ sắt rõ" });
        var graded = await (await officer.PatchAsJsonAsync(url, new { confirmedSeverity = "3" })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((label, "3"), (graded.GetProperty("review").GetProperty("label").GetString(), graded.GetProperty("review").GetProperty("severity").GetString()));
        var trail = (await officer.GetFromJsonAsync<JsonElement>($"{url}/reviews")).GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(2, trail.Count);
        Assert.Equal(("gỉ sắt rõ", false, label), (trail[0].GetProperty("comment").GetString(), trail[0].GetProperty("from").GetProperty("reviewed").GetBoolean(), trail[0].GetProperty("to").GetProperty("label").GetString()));
        Assert.Equal(("3", "review"), (trail[1].GetProperty("to").GetProperty("severity").GetString(), trail[1].GetProperty("kind").GetString()));

        var undone = await (await officer.PostAsJsonAsync($"{url}/reviews/undo", new { comment = "nhầm mức" })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("undo", trail[1].GetProperty("id").GetInt64()), (undone.GetProperty("event").GetProperty("kind").GetString(), undone.GetProperty("event").GetProperty("undoes").GetInt64()));
        Assert.Equal(JsonValueKind.Null, undone.GetProperty("observation").GetProperty("review").GetProperty("severity").ValueKind);
        Assert.Equal(HttpStatusCode.OK, (await officer.PostAsync($"{url}/reviews/undo", null)).StatusCode);
        Assert.False((await officer.GetFromJsonAsync<JsonElement>(url)).GetProperty("reviewed").GetBoolean());
        await Problem(await officer.PostAsync($"{url}/reviews/undo", null), HttpStatusCode.Conflict);
        Assert.Equal(4, (await officer.GetFromJsonAsync<JsonElement>($"{url}/reviews")).GetProperty("events").GetArrayLength());
        await Problem(await other.GetAsync($"{url}/reviews"), HttpStatusCode.NotFound);
    }

    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task In_the_queue_an_officer_sides_with_the_farmer_undoes_it_and_healthy_leaves_are_never_rare(string provider)
    {
        var service = await services.GetAsync(provider);
        using var officer = await service.NewOfficerAsync(Team());
        int seed = Random.Shared.Next(1000, 1_000_000);
        Guid farmer, healthy;
        await using (var scope = service.Factory.Services.CreateAsyncScope())
        {
            var store = scope.ServiceProvider.GetRequiredService<ObservationStore>();
            farmer = (await store.AddAsync(new ObservationInput
            {
                Crop = "coffee", Source = ObservationSource.FarmerFeedback, UsePhotoPosition = false,
                Model = new ModelAnswer(2, "rust", 0.7, "1", "ok"), FarmerVerdict = FarmerVerdict.Wrong, FarmerLabel = "miner",
            }, StorePhotos.Jpeg(seed), default)).Observation.Id;
            healthy = (await store.AddAsync(new ObservationInput
            {
                Crop = "coffee", Source = ObservationSource.FarmerFeedback, UsePhotoPosition = false,
                Model = new ModelAnswer(2, "healthy", 0.9, null, "ok"), FarmerVerdict = FarmerVerdict.Right,
            }, StorePhotos.Jpeg(seed + 1), default)).Observation.Id;
        }
        var queue = await officer.GetFromJsonAsync<JsonElement>("/v1/review?crop=coffee&limit=200");
        var reasons = queue.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("observation").GetProperty("id").GetGuid() == healthy).GetProperty("reasons");
        Assert.DoesNotContain("rare class", reasons.EnumerateArray().Select(r => r.GetString()));

        // "Đồng ý với nông dân": the farmer's label, with no severity chosen.
        var sided = await officer.PatchAsJsonAsync($"/v1/review/{farmer}", new { confirmedLabel = "miner", comment = "Đồng ý với nông dân" });
        Assert.Equal(HttpStatusCode.OK, sided.StatusCode);
        Assert.Equal("miner", (await sided.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("review").GetProperty("label").GetString());
        var trail = (await officer.GetFromJsonAsync<JsonElement>($"/v1/review/{farmer}/reviews")).GetProperty("events");
        Assert.Equal(("miner", "Đồng ý với nông dân"), (trail[0].GetProperty("to").GetProperty("label").GetString(), trail[0].GetProperty("comment").GetString()));
        await Problem(await officer.PatchAsJsonAsync($"/v1/review/{farmer}", new { plotCode = "P-1" }), HttpStatusCode.BadRequest); // feedback has no plot

        Assert.Equal(HttpStatusCode.OK, (await officer.PostAsync($"/v1/review/{farmer}/reviews/undo", null)).StatusCode);
        var again = await officer.GetFromJsonAsync<JsonElement>("/v1/review?crop=coffee&limit=200");
        Assert.Contains(farmer, again.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("observation").GetProperty("id").GetGuid()));
    }
}
