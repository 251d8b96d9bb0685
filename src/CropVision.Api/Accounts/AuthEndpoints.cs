using CropVision.FieldStore.Model;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using static CropVision.Api.Http.Problems;

namespace CropVision.Api.Accounts;

public sealed record Credentials(string? UserName, string? Password);
public sealed record RefreshRequest(string? RefreshToken);
public sealed record Me(string UserName, string? DisplayName, string Team, IReadOnlyList<string> Roles, string AntiforgeryToken);

/// <summary>
/// Sign-in: a cookie for the pages (POST /v1/auth/login), a bearer token for scripts (POST /v1/auth/token, renewed by
/// /refresh). Throttled per address and per user name; answers are never cached.
/// </summary>
public static class AuthEndpoints
{
    internal static IEndpointRouteBuilder MapAuth(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/auth").WithTags("Accounts").AddEndpointFilter(NoStore.Filter)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized);
        var signIn = group.MapGroup("").RequireRateLimiting(SignInRateLimit.PolicyName).ProducesProblem(StatusCodes.Status429TooManyRequests);

        signIn.MapPost("/token", TokenAsync).WithName("Token")
            .Produces<AccessTokenResponse>()
            .WithSummary("A bearer token for scripts: {\"userName\", \"password\"} in, {\"accessToken\", \"expiresIn\", \"refreshToken\"} out; send it as Authorization: Bearer ...");
        signIn.MapPost("/refresh", RefreshAsync).WithName("RefreshToken")
            .Produces<AccessTokenResponse>()
            .WithSummary("A new bearer token for {\"refreshToken\"}, while the account's password, roles and team are unchanged and it is not signed out");
        signIn.MapPost("/login", LoginAsync).WithName("Login").WithSummary("Sign in with a cookie (the officer pages)");
        group.MapPost("/logout", LogoutAsync).WithName("Logout").RequireOfficer()
            .WithSummary("Sign out: ends every session of the account (cookies and tokens, on every device)");
        group.MapGet("/me", MeAsync).WithName("Me").RequireOfficer()
            .WithSummary("Who is signed in, and the anti-forgery token that cookie-authenticated changes must send in X-CSRF-TOKEN");
        return app;
    }

    private static async Task<Results<EmptyHttpResult, ProblemHttpResult>> TokenAsync(Credentials? body, SignInManager<Account> signIn, PasswordCheck check, HttpContext http)
    {
        var (account, problem) = await check.CheckAsync(body, http);
        if (problem is not null) return problem;
        // The bearer handler writes {tokenType, accessToken, expiresIn, refreshToken} itself.
        signIn.AuthenticationScheme = IdentityConstants.BearerScheme;
        await signIn.SignInAsync(account!, isPersistent: false);
        return TypedResults.Empty;
    }

    /// <summary>As Identity's own refresh: the refresh token's principal must still carry the account's security stamp.</summary>
    private static async Task<Results<EmptyHttpResult, ProblemHttpResult>> RefreshAsync(
        RefreshRequest? body, SignInManager<Account> signIn, IOptionsMonitor<BearerTokenOptions> bearer, TimeProvider clock)
    {
        if (string.IsNullOrEmpty(body?.RefreshToken))
            return Create(StatusCodes.Status400BadRequest, "Refresh token required", "Send JSON {\"refreshToken\": ...} from POST /v1/auth/token.");
        var ticket = bearer.Get(IdentityConstants.BearerScheme).RefreshTokenProtector.Unprotect(body.RefreshToken);
        var account = ticket?.Properties.ExpiresUtc is { } expires && clock.GetUtcNow() < expires
            ? await signIn.ValidateSecurityStampAsync(ticket.Principal)
            : null;
        if (account is null || await signIn.UserManager.IsLockedOutAsync(account))
            return Create(StatusCodes.Status401Unauthorized, "Refresh refused", "The refresh token has expired or the account has changed since: sign in again.");
        signIn.AuthenticationScheme = IdentityConstants.BearerScheme;
        await signIn.SignInAsync(account, isPersistent: false);
        return TypedResults.Empty;
    }

    private static async Task<Results<Ok<Me>, ProblemHttpResult>> LoginAsync(Credentials? body, SignInManager<Account> signIn, PasswordCheck check, IAntiforgery antiforgery, HttpContext http)
    {
        var (account, problem) = await check.CheckAsync(body, http);
        if (problem is not null) return problem;
        await signIn.SignInAsync(account!, isPersistent: false);
        var principal = await signIn.CreateUserPrincipalAsync(account!);
        http.User = principal; // so the anti-forgery token below is bound to the signed-in user
        return TypedResults.Ok(await DescribeAsync(account!, signIn.UserManager, antiforgery, http));
    }

    /// <summary>
    /// Ends the cookie here and, by a new security stamp, every cookie and token of the account: a cookie copied
    /// before sign-out (a shared phone, a proxy log) is worthless after it.
    /// </summary>
    private static async Task<NoContent> LogoutAsync(SignInManager<Account> signIn, CurrentOfficer officer)
    {
        await signIn.UserManager.UpdateSecurityStampAsync(officer.Account);
        await signIn.SignOutAsync();
        return TypedResults.NoContent();
    }

    private static async Task<Ok<Me>> MeAsync(CurrentOfficer officer, UserManager<Account> users, IAntiforgery antiforgery, HttpContext http) =>
        TypedResults.Ok(await DescribeAsync(officer.Account, users, antiforgery, http));

    private static async Task<Me> DescribeAsync(Account account, UserManager<Account> users, IAntiforgery antiforgery, HttpContext http)
    {
        var tokens = antiforgery.GetAndStoreTokens(http);
        return new Me(account.UserName!, account.DisplayName, account.Team, [.. await users.GetRolesAsync(account)], tokens.RequestToken!);
    }
}
