using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CropVision.Tests.Support;
using static CropVision.Tests.Support.ServiceRequests;

namespace CropVision.Tests.Api.Surveys;

/// <summary>
/// POST /v1/surveys/{id}/observations with an Idempotency-Key: a phone's resend (its answer was lost, or its queue sent
/// twice) never makes a second observation; the key is unique per survey on both providers.
/// </summary>
[Trait("Category", "Postgres")]
public sealed class IdempotencyKeyTests(OfficerServices services) : IClassFixture<OfficerServices>
{
    private static HttpRequestMessage Upload(string surveyId, byte[] photo, string? key, string plot = "Lô A")
    {
        var form = SurveyRequests.Photos((photo, "leaf.jpg"));
        form.Add(new StringContent(plot), "plot");
        var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/surveys/{surveyId}/observations") { Content = form };
        if (key is not null) request.Headers.Add("Idempotency-Key", key);
        return request;
    }

    private static async Task<int> CountAsync(HttpClient client, string surveyId) =>
        (await client.GetFromJsonAsync<JsonElement>($"/v1/surveys/{surveyId}/observations")).GetProperty("total").GetInt32();

    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_resend_with_the_same_key_answers_the_first_observation_with_200_and_adds_nothing(string provider)
    {
        var service = await services.GetAsync(provider);
        using var officer = await service.NewOfficerAsync("north");
        var id = (await SurveyRequests.CreateSurveyAsync(officer, "idempotent")).GetProperty("id").GetString()!;
        var photo = StorePhotos.Jpeg(41);

        var first = await officer.SendAsync(Upload(id, photo, "phone-1-obs-1"));
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var again = await officer.SendAsync(Upload(id, photo, "phone-1-obs-1"));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await again.Content.ReadAsStringAsync());
        Assert.Equal(1, await CountAsync(officer, id));

        // Another key for another photo is a new observation; the same key in another survey is that survey's own.
        Assert.Equal(HttpStatusCode.Created, (await officer.SendAsync(Upload(id, StorePhotos.Jpeg(42), "phone-1-obs-2"))).StatusCode);
        var other = (await SurveyRequests.CreateSurveyAsync(officer, "other")).GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.Created, (await officer.SendAsync(Upload(other, photo, "phone-1-obs-1"))).StatusCode);
        Assert.Equal((2, 1), (await CountAsync(officer, id), await CountAsync(officer, other)));
    }

    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_key_reused_for_another_photo_is_a_422_with_its_code(string provider)
    {
        var service = await services.GetAsync(provider);
        using var officer = await service.NewOfficerAsync("north");
        var id = (await SurveyRequests.CreateSurveyAsync(officer, "reused key")).GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.Created, (await officer.SendAsync(Upload(id, StorePhotos.Jpeg(43), "k-1"))).StatusCode);

        var problem = await Problem(await officer.SendAsync(Upload(id, StorePhotos.Jpeg(44), "k-1")), HttpStatusCode.UnprocessableEntity);
        Assert.Equal("idempotency-key-reused", problem.GetProperty("code").GetString());
        Assert.Equal(1, await CountAsync(officer, id));

        var tooLong = await Problem(await officer.SendAsync(Upload(id, StorePhotos.Jpeg(45), new string('k', 101))), HttpStatusCode.UnprocessableEntity);
        Assert.Equal("bad-field", tooLong.GetProperty("code").GetString());
    }

    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Two_sends_at_once_with_one_key_make_one_observation(string provider)
    {
        var service = await services.GetAsync(provider);
        using var officer = await service.NewOfficerAsync("north");
        var id = (await SurveyRequests.CreateSurveyAsync(officer, "race")).GetProperty("id").GetString()!;
        var photo = StorePhotos.Jpeg(46);

        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => officer.SendAsync(Upload(id, photo, "same-key"))));
        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.Created);
        Assert.All(answers, a => Assert.True(a.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"{a.StatusCode}"));
        Assert.Equal(1, await CountAsync(officer, id));
    }
}
