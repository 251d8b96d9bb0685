using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CropVision.Tests.Support;
using static CropVision.Tests.Support.ServiceRequests;

namespace CropVision.Tests.Api.Surveys;

/// <summary>Accounts through HTTP: bootstrap admin, tokens, cookies with anti-forgery, an admin's lock, roles, admin management.</summary>
[Trait("Category", "Postgres")]
public sealed class AccountTests(OfficerServices services) : IClassFixture<OfficerServices>
{
    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Bootstrap_admin_gets_a_bearer_token_and_officer_endpoints_refuse_anonymous_callers(string provider)
    {
        var service = await services.GetAsync(provider);
        using var anonymous = service.Anonymous();
        await Problem(await anonymous.GetAsync("/v1/surveys"), HttpStatusCode.Unauthorized);
        await Problem(await anonymous.GetAsync("/v1/accounts"), HttpStatusCode.Unauthorized);

        var response = await anonymous.PostAsJsonAsync("/v1/auth/token", new { userName = OfficerService.AdminUser, password = OfficerService.AdminPassword });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var token = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Bearer", token.GetProperty("tokenType").GetString());
        Assert.True(token.GetProperty("expiresIn").GetInt32() > 0);

        using var admin = service.Anonymous();
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.GetProperty("accessToken").GetString());
        var me = await admin.GetFromJsonAsync<JsonElement>("/v1/auth/me");
        Assert.Equal("admin", me.GetProperty("userName").GetString());
        Assert.Contains("admin", me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));

        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-token");
        await Problem(await admin.GetAsync("/v1/surveys"), HttpStatusCode.Unauthorized);
    }

    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Bad_sign_ins_are_problems_and_an_admin_lock_ends_the_account_until_unlocked(string provider)
    {
        var service = await services.GetAsync(provider);
        using var officer = await service.NewOfficerAsync("north", "locky-" + provider);
        using var anonymous = service.Anonymous();
        await Problem(await anonymous.PostAsJsonAsync("/v1/auth/token", new { userName = "locky-" + provider }), HttpStatusCode.BadRequest);
        await Problem(await anonymous.PostAsync("/v1/auth/token", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);
        await Problem(await anonymous.PostAsJsonAsync("/v1/auth/token", new { userName = "nobody", password = "whatever-123" }), HttpStatusCode.Unauthorized);
        await Problem(await anonymous.PostAsJsonAsync("/v1/auth/token", new { userName = "locky-" + provider, password = "wrong-password" }), HttpStatusCode.Unauthorized);

        using var admin = await service.AdminAsync();
        Assert.Equal(HttpStatusCode.OK, (await admin.PatchAsJsonAsync($"/v1/accounts/locky-{provider}", new { locked = true })).StatusCode);
        var locked = await Problem(await anonymous.PostAsJsonAsync("/v1/auth/token", new { userName = "locky-" + provider, password = OfficerService.OfficerPassword }), HttpStatusCode.Unauthorized);
        Assert.Equal("Account locked", locked.GetProperty("title").GetString());
        await Problem(await officer.GetAsync("/v1/surveys"), HttpStatusCode.Unauthorized);

        var unlocked = await admin.PatchAsJsonAsync($"/v1/accounts/locky-{provider}", new { locked = false });
        Assert.Equal(HttpStatusCode.OK, unlocked.StatusCode);
        Assert.NotNull(await service.TokenAsync("locky-" + provider, OfficerService.OfficerPassword));
    }

    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Cookie_sign_in_needs_the_anti_forgery_token_for_changes(string provider)
    {
        var service = await services.GetAsync(provider);
        using var _ = await service.NewOfficerAsync("south", "cookie-" + provider);
        using var browser = service.Factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { HandleCookies = true });
        var login = await browser.PostAsJsonAsync("/v1/auth/login", new { userName = "cookie-" + provider, password = OfficerService.OfficerPassword });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var csrf = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("antiforgeryToken").GetString()!;

        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/v1/surveys")).StatusCode); // reading needs no token
        var survey = new { name = "cookie survey", crop = "coffee" };
        var missing = await Problem(await browser.PostAsJsonAsync("/v1/surveys", survey), HttpStatusCode.BadRequest);
        Assert.Equal("Anti-forgery token missing", missing.GetProperty("title").GetString());
        var wrong = new HttpRequestMessage(HttpMethod.Post, "/v1/surveys") { Content = JsonContent.Create(survey) };
        wrong.Headers.Add("X-CSRF-TOKEN", "forged");
        await Problem(await browser.SendAsync(wrong), HttpStatusCode.BadRequest);

        var right = new HttpRequestMessage(HttpMethod.Post, "/v1/surveys") { Content = JsonContent.Create(survey) };
        right.Headers.Add("X-CSRF-TOKEN", csrf);
        Assert.Equal(HttpStatusCode.Created, (await browser.SendAsync(right)).StatusCode);

        var logout = new HttpRequestMessage(HttpMethod.Post, "/v1/auth/logout");
        logout.Headers.Add("X-CSRF-TOKEN", csrf);
        Assert.Equal(HttpStatusCode.NoContent, (await browser.SendAsync(logout)).StatusCode);
        await Problem(await browser.GetAsync("/v1/surveys"), HttpStatusCode.Unauthorized);
    }

    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Only_admins_manage_accounts_and_reload_models(string provider)
    {
        var service = await services.GetAsync(provider);
        using var officer = await service.NewOfficerAsync("north");
        await Problem(await officer.GetAsync("/v1/accounts"), HttpStatusCode.Forbidden);
        await Problem(await officer.PostAsJsonAsync("/v1/accounts", new { userName = "x", password = "long-enough-1", team = "north" }), HttpStatusCode.Forbidden);
        await Problem(await officer.PostAsync("/v1/models/coffee/reload", null), HttpStatusCode.Forbidden); // signed in, not an admin (as every admin endpoint)

        using var admin = await service.AdminAsync();
        await Problem(await admin.PostAsJsonAsync("/v1/accounts", new { userName = "short-" + provider, password = "short", team = "north" }), HttpStatusCode.UnprocessableEntity);
        await Problem(await admin.PostAsJsonAsync("/v1/accounts", new { userName = "roles-" + provider, password = "long-enough-1", team = "north", roles = new[] { "farmer" } }), HttpStatusCode.BadRequest);
        await Problem(await admin.PostAsJsonAsync("/v1/accounts", new { userName = OfficerService.AdminUser, password = "long-enough-1", team = "north" }), HttpStatusCode.Conflict);
        await Problem(await admin.DeleteAsync($"/v1/accounts/{OfficerService.AdminUser}"), HttpStatusCode.Conflict);
        await Problem(await admin.GetAsync("/v1/accounts/nobody"), HttpStatusCode.NotFound);
        var list = await admin.GetFromJsonAsync<JsonElement>("/v1/accounts");
        Assert.Contains(OfficerService.AdminUser, list.EnumerateArray().Select(a => a.GetProperty("userName").GetString()));

        var reload = await admin.PostAsync("/v1/models/coffee/reload", null);
        Assert.Equal(HttpStatusCode.OK, reload.StatusCode);

        // A deleted account's token stops working at once.
        var name = $"gone-{provider}";
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/v1/accounts", new { userName = name, password = "long-enough-1", team = "north" })).StatusCode);
        using var gone = await service.AsAsync(name, "long-enough-1");
        Assert.Equal(HttpStatusCode.OK, (await gone.GetAsync("/v1/surveys")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/v1/accounts/{name}")).StatusCode);
        await Problem(await gone.GetAsync("/v1/surveys"), HttpStatusCode.Unauthorized);
    }
}
