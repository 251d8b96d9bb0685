using System.Net;
using System.Net.Http.Json;
using CropVision.Tests.Support;
using static CropVision.Tests.Support.ServiceRequests;

namespace CropVision.Tests.Api.Surveys;

/// <summary>Every problem carries a stable code the pages map to their own language (never the English detail).</summary>
[Trait("Category", "Postgres")]
public sealed class ProblemCodeTests(OfficerServices services) : IClassFixture<OfficerServices>
{
    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Problems_carry_stable_codes(string provider)
    {
        var service = await services.GetAsync(provider);
        using var officer = await service.NewOfficerAsync("north");
        async Task<string?> CodeOf(HttpResponseMessage r, HttpStatusCode status) => (await Problem(r, status)).GetProperty("code").GetString();

        Assert.Equal("survey-dates-reversed", await CodeOf(await officer.PostAsJsonAsync("/v1/surveys",
            new { name = "x", crop = "coffee", startsOn = "2026-11-21", endsOn = "2026-11-17" }), HttpStatusCode.UnprocessableEntity));
        Assert.Equal("unknown-crop", await CodeOf(await officer.PostAsJsonAsync("/v1/surveys", new { name = "x", crop = "banana" }), HttpStatusCode.UnprocessableEntity));
        Assert.Equal("bad-paging", await CodeOf(await officer.GetAsync("/v1/surveys?pageSize=100000"), HttpStatusCode.BadRequest));

        var id = (await SurveyRequests.CreateSurveyAsync(officer, "codes")).GetProperty("id").GetString();
        var notImage = SurveyRequests.Photos(("just text, not a photo"u8.ToArray(), "notes.jpg"));
        Assert.Equal("image-unsupported", await CodeOf(await officer.PostAsync($"/v1/surveys/{id}/observations", notImage), HttpStatusCode.UnsupportedMediaType));
        await officer.PostAsync($"/v1/surveys/{id}/close", null);
        Assert.Equal("survey-closed", await CodeOf(await officer.PostAsync($"/v1/surveys/{id}/observations",
            SurveyRequests.Photos((StorePhotos.Jpeg(1), "a.jpg"))), HttpStatusCode.Conflict));

        // Problems the framework writes itself get a code too.
        using var anonymous = service.Anonymous();
        Assert.False(string.IsNullOrEmpty(await CodeOf(await anonymous.GetAsync("/v1/surveys"), HttpStatusCode.Unauthorized)));
    }
}
