using CropVision.FieldStore.Model;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using static CropVision.Api.Http.Problems;

namespace CropVision.Api.Accounts;

public sealed record Credentials(string? UserName, string? Password);
public sealed record Me(string UserName, string? DisplayName, string Team, IReadOnlyList<string> Roles, string AntiforgeryToken);

/// <summary>Sign-in: a cookie for the pages (POST /v1/auth/login), a bearer token for scripts (POST /v1/auth/token).</summary>
public static class AuthEndpoints
{
    internal static IEndpointRouteBuilder MapAuth(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/auth").WithTags("Accounts")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized);

        group.MapPost("/token", TokenAsync).WithName("Token")
            .Produces<AccessTokenResponse>()
            .WithSummary("A bearer token for scripts: {\"userName\", \"password\"} in, {\"accessToken\", \"expiresIn\"} out; send it as Authorization: Bearer ...");
        group.MapPost("/login", LoginAsync).WithName("Login").WithSummary("Sign in with a cookie (the officer pages)");
        group.MapPost("/logout", LogoutAsync).WithName("Logout").RequireOfficer().WithSummary("Sign out (cookie)");
        group.MapGet("/me", MeAsync).WithName("Me").RequireOfficer()
            .WithSummary("Who is signed in, and the anti-forgery token that cookie-authenticated changes must send in X-CSRF-TOKEN");
        return app;
    }

    private static async Task<Results<EmptyHttpResult, ProblemHttpResult>> TokenAsync(Credentials? body, SignInManager<Account> signIn)
    {
        var (account, problem) = await CheckAsync(body, signIn);
        if (problem is not null) return problem;
        // The bearer handler writes {tokenType, accessToken, expiresIn, refreshToken} itself.
        signIn.AuthenticationScheme = IdentityConstants.BearerScheme;
        await signIn.SignInAsync(account!, isPersistent: false);
        return TypedResults.Empty;
    }

    private static async Task<Results<Ok<Me>, ProblemHttpResult>> LoginAsync(Credentials? body, SignInManager<Account> signIn, IAntiforgery antiforgery, HttpContext http)
    {
        var (account, problem) = await CheckAsync(body, signIn);
        if (problem is not null) return problem;
        await signIn.SignInAsync(account!, isPersistent: false);
        var principal = await signIn.CreateUserPrincipalAsync(account!);
        http.User = principal; // so the anti-forgery token below is bound to the signed-in user
        return TypedResults.Ok(await DescribeAsync(account!, signIn.UserManager, antiforgery, http));
    }

    private static async Task<NoContent> LogoutAsync(SignInManager<Account> signIn)
    {
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

    /// <summary>Checks the password, counting failures towards the lock-out. One vague message for unknown user and wrong password.</summary>
    private static async Task<(Account?, ProblemHttpResult?)> CheckAsync(Credentials? body, SignInManager<Account> signIn)
    {
        if (body is null || string.IsNullOrWhiteSpace(body.UserName) || string.IsNullOrEmpty(body.Password))
            return (null, Create(StatusCodes.Status400BadRequest, "Credentials required", "Send JSON {\"userName\": ..., \"password\": ...}."));
        var account = await signIn.UserManager.FindByNameAsync(body.UserName.Trim());
        if (account is null) return (null, WrongCredentials());
        var result = await signIn.CheckPasswordSignInAsync(account, body.Password, lockoutOnFailure: true);
        if (result.IsLockedOut)
            return (null, Create(StatusCodes.Status401Unauthorized, "Account locked",
                "Too many failed sign-ins: the account is locked for a while. An admin can unlock it."));
        return result.Succeeded ? (account, null) : (null, WrongCredentials());
    }

    private static ProblemHttpResult WrongCredentials() =>
        Create(StatusCodes.Status401Unauthorized, "Sign-in failed", "The user name or password is wrong.");
}
