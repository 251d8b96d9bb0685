using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CropVision.Tests.Support;
using Microsoft.AspNetCore.Mvc.Testing;
using static CropVision.Tests.Support.ServiceRequests;

namespace CropVision.Tests.Api.Accounts;

/// <summary>
/// Tokens and cookies follow the account as it is now: a role change, a password reset, an admin's lock and a sign-out
/// end the credentials issued before them, at once, on both store providers.
/// </summary>
[Trait("Category", "Postgres")]
public sealed class SessionAttackTests(OfficerServices services) : IClassFixture<OfficerServices>
{
    private const string Password = "long-enough-1";

    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_demoted_admin_cannot_create_accounts_with_an_old_token(string provider)
    {
        var service = await services.GetAsync(provider);
        using var admin = await service.AdminAsync();
        var name = $"admin2-{provider}";
        await CreateAsync(admin, name, "admin");
        using var admin2 = await service.AsAsync(name, Password);
        var cookie = await CookieAsync(service, name);
        Assert.Equal(HttpStatusCode.OK, (await admin2.GetAsync("/v1/accounts")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await admin.PatchAsJsonAsync($"/v1/accounts/{name}", new { roles = new[] { "officer" } })).StatusCode);

        // The old token and cookie say "admin"; the account no longer does. Neither creates an admin nor re-promotes.
        await Problem(await admin2.PostAsJsonAsync("/v1/accounts", new { userName = $"sneaky-{provider}", password = Password, team = "x", roles = new[] { "admin" } }), HttpStatusCode.Unauthorized);
        await Problem(await admin2.PatchAsJsonAsync($"/v1/accounts/{name}", new { roles = new[] { "admin" } }), HttpStatusCode.Unauthorized);
        await Problem(await WithCookie(service, cookie).GetAsync("/v1/accounts"), HttpStatusCode.Unauthorized);
        // Signed in again, they are the officer they now are.
        using var officer = await service.AsAsync(name, Password);
        await Problem(await officer.PostAsJsonAsync("/v1/accounts", new { userName = $"sneaky-{provider}", password = Password, team = "x" }), HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.OK, (await officer.GetAsync("/v1/surveys")).StatusCode);
        await Problem(await admin.GetAsync($"/v1/accounts/sneaky-{provider}"), HttpStatusCode.NotFound);
    }

    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_password_reset_ends_the_officers_old_token_and_cookie(string provider)
    {
        var service = await services.GetAsync(provider);
        using var admin = await service.AdminAsync();
        var name = $"reset-{provider}";
        await CreateAsync(admin, name, "officer");
        using var officer = await service.AsAsync(name, Password);
        var cookie = await CookieAsync(service, name);
        Assert.Equal(HttpStatusCode.OK, (await officer.GetAsync("/v1/surveys")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await WithCookie(service, cookie).GetAsync("/v1/surveys")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await admin.PatchAsJsonAsync($"/v1/accounts/{name}", new { password = "a-new-password-2" })).StatusCode);

        await Problem(await officer.GetAsync("/v1/surveys"), HttpStatusCode.Unauthorized);
        await Problem(await WithCookie(service, cookie).GetAsync("/v1/surveys"), HttpStatusCode.Unauthorized);
        using var again = await service.AsAsync(name, "a-new-password-2");
        Assert.Equal(HttpStatusCode.OK, (await again.GetAsync("/v1/surveys")).StatusCode);
    }

    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_cookie_replayed_after_logout_is_refused(string provider)
    {
        var service = await services.GetAsync(provider);
        using var admin = await service.AdminAsync();
        var name = $"logout-{provider}";
        await CreateAsync(admin, name, "officer");
        using var login = service.Factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });
        var signedIn = await login.PostAsJsonAsync("/v1/auth/login", new { userName = name, password = Password });
        var cookie = CookieOf(signedIn);
        var csrf = (await signedIn.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("antiforgeryToken").GetString()!;
        using var token = await service.AsAsync(name, Password);

        var logout = new HttpRequestMessage(HttpMethod.Post, "/v1/auth/logout");
        logout.Headers.Add("Cookie", cookie + "; " + AntiforgeryCookieOf(signedIn));
        logout.Headers.Add("X-CSRF-TOKEN", csrf);
        Assert.Equal(HttpStatusCode.NoContent, (await login.SendAsync(logout)).StatusCode);

        // The copied cookie is worthless, and so is every other session of the account (documented: sign-out ends all).
        await Problem(await WithCookie(service, cookie).GetAsync("/v1/surveys"), HttpStatusCode.Unauthorized);
        await Problem(await token.GetAsync("/v1/surveys"), HttpStatusCode.Unauthorized);
    }

    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_refresh_token_renews_a_token_only_while_the_account_is_unchanged(string provider)
    {
        var service = await services.GetAsync(provider);
        using var admin = await service.AdminAsync();
        var name = $"refresh-{provider}";
        await CreateAsync(admin, name, "officer");
        using var anonymous = service.Anonymous();
        var issued = await (await anonymous.PostAsJsonAsync("/v1/auth/token", new { userName = name, password = Password })).Content.ReadFromJsonAsync<JsonElement>();
        var refreshToken = issued.GetProperty("refreshToken").GetString();

        var renewed = await anonymous.PostAsJsonAsync("/v1/auth/refresh", new { refreshToken });
        Assert.Equal(HttpStatusCode.OK, renewed.StatusCode);
        Assert.Equal("no-store", renewed.Headers.CacheControl?.ToString());
        var fresh = (await renewed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
        using var officer = service.Anonymous();
        officer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", fresh);
        Assert.Equal(HttpStatusCode.OK, (await officer.GetAsync("/v1/surveys")).StatusCode);

        await Problem(await anonymous.PostAsJsonAsync("/v1/auth/refresh", new { refreshToken = "forged" }), HttpStatusCode.Unauthorized);
        await Problem(await anonymous.PostAsJsonAsync("/v1/auth/refresh", new { }), HttpStatusCode.BadRequest);
        Assert.Equal(HttpStatusCode.OK, (await admin.PatchAsJsonAsync($"/v1/accounts/{name}", new { password = "a-new-password-2" })).StatusCode);
        await Problem(await anonymous.PostAsJsonAsync("/v1/auth/refresh", new { refreshToken }), HttpStatusCode.Unauthorized);
    }

    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_locked_account_loses_its_sessions_and_only_the_right_password_learns_why(string provider)
    {
        var service = await services.GetAsync(provider);
        using var admin = await service.AdminAsync();
        var name = $"locked-{provider}";
        await CreateAsync(admin, name, "officer");
        using var officer = await service.AsAsync(name, Password);
        Assert.Equal(HttpStatusCode.OK, (await admin.PatchAsJsonAsync($"/v1/accounts/{name}", new { locked = true })).StatusCode);

        await Problem(await officer.GetAsync("/v1/surveys"), HttpStatusCode.Unauthorized);
        using var anonymous = service.Anonymous();
        var guess = await Problem(await anonymous.PostAsJsonAsync("/v1/auth/token", new { userName = name, password = "a-wrong-guess" }), HttpStatusCode.Unauthorized);
        Assert.Equal("Sign-in failed", guess.GetProperty("title").GetString()); // a stranger cannot tell a locked account from any other
        var owner = await Problem(await anonymous.PostAsJsonAsync("/v1/auth/token", new { userName = name, password = Password }), HttpStatusCode.Unauthorized);
        Assert.Equal("Account locked", owner.GetProperty("title").GetString());

        Assert.Equal(HttpStatusCode.OK, (await admin.PatchAsJsonAsync($"/v1/accounts/{name}", new { locked = false })).StatusCode);
        using var back = await service.AsAsync(name, Password);
        Assert.Equal(HttpStatusCode.OK, (await back.GetAsync("/v1/surveys")).StatusCode);
    }

    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Token_and_account_answers_are_never_cached(string provider)
    {
        var service = await services.GetAsync(provider);
        using var anonymous = service.Anonymous();
        var token = await anonymous.PostAsJsonAsync("/v1/auth/token", new { userName = OfficerService.AdminUser, password = OfficerService.AdminPassword });
        Assert.Equal(HttpStatusCode.OK, token.StatusCode);
        Assert.Equal("no-store", token.Headers.CacheControl?.ToString());
        using var admin = await service.AdminAsync();
        foreach (var path in new[] { "/v1/accounts", $"/v1/accounts/{OfficerService.AdminUser}", "/v1/auth/me" })
            Assert.True((await admin.GetAsync(path)).Headers.CacheControl?.NoStore, path);
    }

    private static async Task CreateAsync(HttpClient admin, string name, string role)
    {
        var created = await admin.PostAsJsonAsync("/v1/accounts", new { userName = name, password = Password, team = "north", roles = new[] { role } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    /// <summary>Signs in with a cookie and returns it as a "name=value" pair, to replay by hand.</summary>
    private static async Task<string> CookieAsync(OfficerService service, string name)
    {
        using var client = service.Factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });
        var login = await client.PostAsJsonAsync("/v1/auth/login", new { userName = name, password = Password });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        return CookieOf(login);
    }

    private static string CookieOf(HttpResponseMessage login) => SetCookie(login, "cropvision.auth=");

    private static string AntiforgeryCookieOf(HttpResponseMessage login) => SetCookie(login, "cropvision.csrf=");

    private static string SetCookie(HttpResponseMessage response, string prefix) =>
        response.Headers.GetValues("Set-Cookie").First(c => c.StartsWith(prefix, StringComparison.Ordinal)).Split(';')[0];

    private static HttpClient WithCookie(OfficerService service, string cookie)
    {
        var client = service.Factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });
        client.DefaultRequestHeaders.Add("Cookie", cookie);
        return client;
    }
}
