using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CropVision.Tests.Support;
using static CropVision.Tests.Support.ServiceRequests;

namespace CropVision.Tests.Api.Surveys;

/// <summary>Surveys and observations through HTTP, on both providers.</summary>
[Trait("Category", "Postgres")]
public sealed class SurveyApiTests(OfficerServices services) : IClassFixture<OfficerServices>
{
    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Survey_lifecycle_create_list_read_update_close_delete(string provider)
    {
        var service = await services.GetAsync(provider);
        using var officer = await service.NewOfficerAsync("north");
        var survey = await SurveyRequests.CreateSurveyAsync(officer);
        var id = survey.GetProperty("id").GetString();
        Assert.Equal("north", survey.GetProperty("team").GetString());
        Assert.Equal("Đắk Hà", survey.GetProperty("district").GetString());

        var list = await officer.GetFromJsonAsync<JsonElement>("/v1/surveys");
        Assert.Contains(id, list.GetProperty("items").EnumerateArray().Select(s => s.GetProperty("id").GetString()));

        var updated = await officer.PatchAsJsonAsync($"/v1/surveys/{id}", new { notes = "lá rụng nhiều", endsOn = "2026-11-22" });
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        var body = await updated.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("lá rụng nhiều", "2026-11-22"), (body.GetProperty("notes").GetString(), body.GetProperty("endsOn").GetString()));
        await Problem(await officer.PatchAsJsonAsync($"/v1/surveys/{id}", new { endsOn = "2026-11-01" }), HttpStatusCode.UnprocessableEntity);

        var closed = await officer.PostAsync($"/v1/surveys/{id}/close", null);
        Assert.True((await closed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("closed").GetBoolean());
        await Problem(await officer.PostAsync($"/v1/surveys/{id}/close", null), HttpStatusCode.Conflict);
        await Problem(await officer.PostAsync($"/v1/surveys/{id}/observations", SurveyRequests.Photos((StorePhotos.Jpeg(1), "a.jpg"))), HttpStatusCode.Conflict);
        Assert.Single((await officer.GetFromJsonAsync<JsonElement>("/v1/surveys?closed=true")).GetProperty("items").EnumerateArray(), s => s.GetProperty("id").GetString() == id);

        Assert.Equal(HttpStatusCode.NoContent, (await officer.DeleteAsync($"/v1/surveys/{id}")).StatusCode);
        await Problem(await officer.GetAsync($"/v1/surveys/{id}"), HttpStatusCode.NotFound);
    }

    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Bad_survey_input_gets_problems(string provider)
    {
        var service = await services.GetAsync(provider);
        using var officer = await service.NewOfficerAsync("north");
        await Problem(await officer.PostAsJsonAsync("/v1/surveys", new { name = "x" }), HttpStatusCode.BadRequest);
        await Problem(await officer.PostAsJsonAsync("/v1/surveys", new { name = "x", crop = "banana" }), HttpStatusCode.UnprocessableEntity);
        await Problem(await officer.PostAsJsonAsync("/v1/surveys", new { name = "x", crop = "coffee", team = "south" }), HttpStatusCode.Forbidden);
        await Problem(await officer.PostAsJsonAsync("/v1/surveys", new { name = "x", crop = "coffee", startsOn = "not a date" }), HttpStatusCode.BadRequest);
        await Problem(await officer.GetAsync("/v1/surveys?pageSize=100000"), HttpStatusCode.BadRequest);
        await Problem(await officer.GetAsync("/v1/surveys?closed=maybe"), HttpStatusCode.BadRequest);
        await Problem(await officer.GetAsync($"/v1/surveys/{Guid.NewGuid()}"), HttpStatusCode.NotFound);
        await Problem(await officer.GetAsync("/v1/surveys/not-a-guid"), HttpStatusCode.NotFound);
    }

    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_huge_page_number_is_a_400_not_page_one(string provider)
    {
        // (10737420 - 1) * 200 overflows an int and wrapped round to page 1 before the page was bounded.
        var service = await services.GetAsync(provider);
        using var officer = await service.NewOfficerAsync("north");
        var id = (await SurveyRequests.CreateSurveyAsync(officer, "paging")).GetProperty("id").GetString();
        foreach (var url in new[] { "/v1/surveys", $"/v1/surveys/{id}/observations" })
        {
            await Problem(await officer.GetAsync($"{url}?page=10737420&pageSize=200"), HttpStatusCode.BadRequest);
            await Problem(await officer.GetAsync($"{url}?page={int.MaxValue}&pageSize=1"), HttpStatusCode.BadRequest);
            var last = await officer.GetFromJsonAsync<JsonElement>($"{url}?page=1000000&pageSize=200");
            Assert.Empty(last.GetProperty("items").EnumerateArray());
        }
    }

    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Officers_see_their_own_teams_surveys_only_and_admins_see_all(string provider)
    {
        var service = await services.GetAsync(provider);
        using var north = await service.NewOfficerAsync("north");
        using var south = await service.NewOfficerAsync("south");
        using var admin = await service.AdminAsync();
        var id = (await SurveyRequests.CreateSurveyAsync(north, "north only")).GetProperty("id").GetString();

        await Problem(await south.GetAsync($"/v1/surveys/{id}"), HttpStatusCode.NotFound);
        await Problem(await south.GetAsync($"/v1/surveys/{id}/observations"), HttpStatusCode.NotFound);
        await Problem(await south.PostAsync($"/v1/surveys/{id}/observations", SurveyRequests.Photos((StorePhotos.Jpeg(2), "a.jpg"))), HttpStatusCode.NotFound);
        await Problem(await south.DeleteAsync($"/v1/surveys/{id}"), HttpStatusCode.NotFound);
        Assert.DoesNotContain(id, (await south.GetFromJsonAsync<JsonElement>("/v1/surveys")).GetProperty("items").EnumerateArray().Select(s => s.GetProperty("id").GetString()));
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/v1/surveys/{id}")).StatusCode);
    }

    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Photos_become_observations_with_the_models_answer_exif_and_per_photo_fields(string provider)
    {
        var service = await services.GetAsync(provider);
        using var officer = await service.NewOfficerAsync("north");
        var id = (await SurveyRequests.CreateSurveyAsync(officer)).GetProperty("id").GetString();
        var gps = ExifWriter.WithExif(LeafJpeg(3), new DateTime(2026, 11, 18, 7, 45, 0), 14.6621, 107.9157);
        var plain = LeafJpeg(4);

        // One photo: 201 with the observation.
        var one = await officer.PostAsync($"/v1/surveys/{id}/observations", SurveyRequests.Photos((gps, "IMG_0001.jpg")));
        Assert.Equal(HttpStatusCode.Created, one.StatusCode);
        var o = await one.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("exif", "exif"), (o.GetProperty("takenAtSource").GetString(), o.GetProperty("positionSource").GetString()));
        Assert.Equal(14.6621, o.GetProperty("latitude").GetDouble(), 4);
        Assert.Equal(DateTimeOffset.Parse("2026-11-18T00:45:00Z"), o.GetProperty("takenAt").GetDateTimeOffset());
        var model = o.GetProperty("model");
        Assert.Equal(ServiceFactory.NewestCoffeeVersion, model.GetProperty("version").GetInt32());
        Assert.Contains(model.GetProperty("status").GetString(), new[] { "ok", "uncertain", "rejected" });
        Assert.False(string.IsNullOrEmpty(model.GetProperty("label").GetString()));
        Assert.Equal("Hà Mòn", o.GetProperty("commune").GetString()); // from the survey
        Assert.Equal(HttpStatusCode.OK, (await officer.GetAsync(o.GetProperty("thumbnailUrl").GetString())).StatusCode);
        var photo = await officer.GetAsync(o.GetProperty("photoUrl").GetString());
        Assert.Equal(gps, await photo.Content.ReadAsByteArrayAsync());

        // Several: per-photo fields by index, shared ones for all; the same photo again is the existing observation.
        var form = SurveyRequests.Photos((plain, "b.jpg"), (LeafJpeg(5), "c.jpg"), (gps, "again.jpg"), ("not an image at all"u8.ToArray(), "d.txt"));
        form.Add(new StringContent("P-07"), "plot");
        form.Add(new StringContent("P-08"), "plot[1]");
        form.Add(new StringContent("14.70"), "latitude[0]");
        form.Add(new StringContent("107.95"), "longitude[0]");
        form.Add(new StringContent("2026-11-19T09:00:00+07:00"), "takenAt[0]");
        var many = await officer.PostAsync($"/v1/surveys/{id}/observations", form);
        Assert.Equal(HttpStatusCode.OK, many.StatusCode);
        var result = await many.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((2, 1, 1), (result.GetProperty("added").GetInt32(), result.GetProperty("duplicates").GetInt32(), result.GetProperty("failed").GetInt32()));
        var items = result.GetProperty("items").EnumerateArray().ToList();
        var b = items[0].GetProperty("observation");
        Assert.Equal(("P-07", "client", "client"), (b.GetProperty("plotCode").GetString(), b.GetProperty("positionSource").GetString(), b.GetProperty("takenAtSource").GetString()));
        Assert.Equal(14.70, b.GetProperty("latitude").GetDouble(), 6);
        Assert.Equal("P-08", items[1].GetProperty("observation").GetProperty("plotCode").GetString());
        Assert.Equal("none", items[1].GetProperty("observation").GetProperty("positionSource").GetString());
        Assert.Equal(o.GetProperty("id").GetString(), items[2].GetProperty("observation").GetProperty("id").GetString());
        Assert.Equal(415, items[3].GetProperty("error").GetProperty("status").GetInt32());

        var list = await officer.GetFromJsonAsync<JsonElement>($"/v1/surveys/{id}/observations");
        Assert.Equal(3, list.GetProperty("total").GetInt32());
    }

    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Bad_uploads_get_problems_and_store_nothing(string provider)
    {
        var service = await services.GetAsync(provider);
        using var officer = await service.NewOfficerAsync("north");
        var id = (await SurveyRequests.CreateSurveyAsync(officer)).GetProperty("id").GetString();
        var url = $"/v1/surveys/{id}/observations";

        await Problem(await officer.PostAsync(url, SurveyRequests.Photos(("GIF89a"u8.ToArray(), "x.gif"))), HttpStatusCode.UnsupportedMediaType);
        await Problem(await officer.PostAsync(url, SurveyRequests.Photos((LeafJpeg(6)[..300], "cut.jpg"))), HttpStatusCode.BadRequest);
        await Problem(await officer.PostAsync(url, new StringContent("")), HttpStatusCode.UnsupportedMediaType);
        var badLat = SurveyRequests.Photos((LeafJpeg(7), "a.jpg")); badLat.Add(new StringContent("95"), "latitude"); badLat.Add(new StringContent("10"), "longitude");
        await Problem(await officer.PostAsync(url, badLat), HttpStatusCode.UnprocessableEntity);
        var notNumber = SurveyRequests.Photos((LeafJpeg(7), "a.jpg")); notNumber.Add(new StringContent("north"), "latitude");
        await Problem(await officer.PostAsync(url, notNumber), HttpStatusCode.BadRequest);
        var badTime = SurveyRequests.Photos((LeafJpeg(7), "a.jpg")); badTime.Add(new StringContent("yesterday"), "takenAt");
        await Problem(await officer.PostAsync(url, badTime), HttpStatusCode.BadRequest);
        var tooMany = SurveyRequests.Photos([.. Enumerable.Range(0, 17).Select(i => (StorePhotos.Jpeg(i, 16, 16), $"{i}.jpg"))]);
        await Problem(await officer.PostAsync(url, tooMany), HttpStatusCode.RequestEntityTooLarge);

        Assert.Equal(0, (await officer.GetFromJsonAsync<JsonElement>(url)).GetProperty("total").GetInt32());
    }

    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Observations_filter_page_review_and_delete(string provider)
    {
        var service = await services.GetAsync(provider);
        using var officer = await service.NewOfficerAsync("north");
        var id = (await SurveyRequests.CreateSurveyAsync(officer)).GetProperty("id").GetString();
        var url = $"/v1/surveys/{id}/observations";
        var points = new[] { (14.60, 107.80, "A"), (14.61, 107.81, "A"), (14.90, 108.20, "B"), (14.95, 108.25, "B") };
        var ids = new List<string>();
        for (int i = 0; i < points.Length; i++)
        {
            var form = SurveyRequests.Photos((ExifWriter.WithExif(LeafJpeg(10 + i), new DateTime(2026, 11, 17 + i, 8, 0, 0), points[i].Item1, points[i].Item2), $"{i}.jpg"));
            form.Add(new StringContent(points[i].Item3), "plot");
            var r = await officer.PostAsync(url, form);
            Assert.Equal(HttpStatusCode.Created, r.StatusCode);
            ids.Add((await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);
        }
        static int Total(JsonElement page) => page.GetProperty("total").GetInt32();
        Assert.Equal(2, Total(await officer.GetFromJsonAsync<JsonElement>($"{url}?plot=A")));
        Assert.Equal(2, Total(await officer.GetFromJsonAsync<JsonElement>($"{url}?bbox=107.7,14.5,107.9,14.7")));
        Assert.Equal(2, Total(await officer.GetFromJsonAsync<JsonElement>($"{url}?from=2026-11-18T00:00:00%2B07:00&to=2026-11-19T23:00:00%2B07:00")));
        var page2 = await officer.GetFromJsonAsync<JsonElement>($"{url}?page=2&pageSize=3");
        Assert.Equal((4, 1), (Total(page2), page2.GetProperty("items").GetArrayLength()));
        await Problem(await officer.GetAsync($"{url}?bbox=1,2,3"), HttpStatusCode.BadRequest);
        await Problem(await officer.GetAsync($"{url}?bbox=108,14,107,15"), HttpStatusCode.BadRequest);
        await Problem(await officer.GetAsync($"{url}?from=someday"), HttpStatusCode.BadRequest);

        // Review one: it counts as the confirmed label from then on.
        var review = await officer.PatchAsJsonAsync($"{url}/{ids[0]}", new { confirmedLabel = "phoma", confirmedSeverity = "3", notes = "đốm mắt cua" });
        Assert.Equal(HttpStatusCode.OK, review.StatusCode);
        var reviewed = await review.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(reviewed.GetProperty("reviewed").GetBoolean());
        Assert.Equal(("phoma", "3", "phoma"), (reviewed.GetProperty("review").GetProperty("label").GetString(), reviewed.GetProperty("review").GetProperty("severity").GetString(), reviewed.GetProperty("label").GetString()));
        Assert.Equal(1, Total(await officer.GetFromJsonAsync<JsonElement>($"{url}?reviewed=true")));
        Assert.Equal(1, Total(await officer.GetFromJsonAsync<JsonElement>($"{url}?label=phoma")));
        await Problem(await officer.PatchAsJsonAsync($"{url}/{ids[1]}", new { confirmedLabel = "banana-blight" }), HttpStatusCode.UnprocessableEntity);
        await Problem(await officer.PatchAsJsonAsync($"{url}/{ids[1]}", new { confirmedLabel = "rust", confirmedSeverity = "9" }), HttpStatusCode.UnprocessableEntity);
        await Problem(await officer.PatchAsJsonAsync($"{url}/{Guid.NewGuid()}", new { confirmedLabel = "rust" }), HttpStatusCode.NotFound);
        var cleared = await officer.PatchAsJsonAsync($"{url}/{ids[0]}", new { clearReview = true });
        Assert.False((await cleared.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reviewed").GetBoolean());

        Assert.Equal(HttpStatusCode.NoContent, (await officer.DeleteAsync($"{url}/{ids[3]}")).StatusCode);
        await Problem(await officer.GetAsync($"{url}/{ids[3]}"), HttpStatusCode.NotFound);
        await Problem(await officer.DeleteAsync($"{url}/{ids[3]}"), HttpStatusCode.NotFound);
        Assert.Equal(3, Total(await officer.GetFromJsonAsync<JsonElement>(url)));
    }
}

/// <summary>A write that loses a race in the database is a 409 problem, never a 500.</summary>
[Trait("Category", "Fast")]
public sealed class StoreConflictTests
{
    [Fact]
    public async Task A_concurrency_failure_is_answered_as_a_409_problem()
    {
        var settings = ServiceFactory.Defaults(ServiceFactory.CommittedModels);
        await using var factory = new ServiceFactory(settings);
        var http = new Microsoft.AspNetCore.Http.DefaultHttpContext { RequestServices = factory.Services };
        http.Response.Body = new MemoryStream();
        var handler = new CropVision.Api.Http.StoreConflictHandler(
            Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Microsoft.AspNetCore.Http.IProblemDetailsService>(factory.Services));

        Assert.True(await handler.TryHandleAsync(http, new Microsoft.EntityFrameworkCore.DbUpdateConcurrencyException("gone"), default));
        Assert.Equal(409, http.Response.StatusCode);
        http.Response.Body.Position = 0;
        var problem = await JsonDocument.ParseAsync(http.Response.Body);
        Assert.Equal("Changed meanwhile", problem.RootElement.GetProperty("title").GetString());
        Assert.False(await handler.TryHandleAsync(new Microsoft.AspNetCore.Http.DefaultHttpContext(), new InvalidOperationException(), default));
    }
}
