using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using CropVision.FieldStore.Model;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using static CropVision.Api.Http.Problems;

namespace CropVision.Api.Accounts;

/// <summary>
/// The admin API key (header <c>X-Api-Key</c>, <c>Admin:ApiKey</c>) as an authentication scheme: a request that sends
/// the header is authenticated by it alone (the scheme selector never falls back to a cookie or token) as an admin
/// without an account. Only endpoints marked with <see cref="AllowApiKey"/> accept it (reloading a model, for deploy
/// scripts); everything else that needs an admin needs an admin account.
/// </summary>
public sealed class ApiKeyAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger,
    UrlEncoder encoder, IOptionsMonitor<AdminOptions> admin) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string Header = "X-Api-Key";

    /// <summary>Endpoint metadata: this endpoint also takes the admin API key.</summary>
    public sealed class AllowApiKey;

    public static bool HasKeyHeader(HttpContext http) => http.Request.Headers.ContainsKey(Header);

    /// <summary>Whether the request's user is the API key (an admin with no account behind it).</summary>
    public static bool IsApiKey(ClaimsPrincipal user) => user.Identity is { IsAuthenticated: true, AuthenticationType: SchemeName };

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var key = admin.CurrentValue.ApiKey;
        var given = Request.Headers[Header].ToString();
        if (string.IsNullOrEmpty(key) || given.Length == 0) return Task.FromResult(AuthenticateResult.NoResult());
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(key)))
            return Task.FromResult(AuthenticateResult.Fail("The admin key is not valid."));
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "api-key"), new Claim(ClaimTypes.Role, Roles.Admin)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    /// <summary>Not authenticated by the key: say why (none configured, none sent, or a wrong one), as before it was a scheme.</summary>
    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var problem = string.IsNullOrEmpty(admin.CurrentValue.ApiKey)
            ? Create(StatusCodes.Status403Forbidden, "Admin endpoints disabled", "No admin API key is configured (Admin:ApiKey).")
            : Request.Headers[Header].ToString().Length == 0
                ? Create(StatusCodes.Status401Unauthorized, "API key required", $"Send the admin key in the {Header} header.")
                : Create(StatusCodes.Status403Forbidden, "Wrong API key", "The admin key is not valid.");
        return problem.ExecuteAsync(Context);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Create(StatusCodes.Status403Forbidden, "API key not accepted here", "This endpoint needs an admin account.").ExecuteAsync(Context);
}
