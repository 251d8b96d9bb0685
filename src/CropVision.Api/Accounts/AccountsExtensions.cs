using System.Security.Cryptography.X509Certificates;
using CropVision.FieldStore;
using CropVision.FieldStore.Infrastructure;
using CropVision.FieldStore.Model;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.RateLimiting;

namespace CropVision.Api.Accounts;

public static class AccountsExtensions
{
    /// <summary>The scheme that picks bearer tokens (scripts) or the Identity cookie (pages) per request.</summary>
    public const string Scheme = "CropVision";
    public const string OfficerPolicy = "officer";
    public const string AdminPolicy = "admin";

    /// <summary>
    /// Officer and admin accounts (ASP.NET Core Identity on the field store's database): password login with a cookie for
    /// the pages, bearer tokens for scripts, throttled sign-in, every request checked against the account as it is now,
    /// the first admin from configuration.
    /// </summary>
    public static IHostApplicationBuilder AddAccounts(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AccountOptions>().BindConfiguration(AccountOptions.Section)
            .Validate(o => o.SignIn.AttemptsPerAddress > 0 && o.SignIn.FailuresPerUser > 0 && o.SignIn.AddressWindow > TimeSpan.Zero && o.SignIn.FailureWindow > TimeSpan.Zero,
                "Accounts:SignIn: AttemptsPerAddress and FailuresPerUser must be at least 1, AddressWindow and FailureWindow positive.")
            .ValidateOnStart();
        services.AddOptions<BootstrapOptions>().BindConfiguration(BootstrapOptions.Section).ValidateOnStart();
        services.AddOptions<AdminOptions>().BindConfiguration(AdminOptions.Section).ValidateOnStart();
        var accounts = builder.Configuration.GetSection(AccountOptions.Section).Get<AccountOptions>() ?? new AccountOptions();

        services.AddIdentityCore<Account>(o =>
            {
                o.Password.RequiredLength = 10; // long beats complex (NIST SP 800-63B): no forced character classes
                o.Password.RequireDigit = o.Password.RequireLowercase = o.Password.RequireUppercase = o.Password.RequireNonAlphanumeric = false;
                // Lock-out is an admin's act only (PATCH locked): failed passwords are throttled instead (PasswordCheck).
                o.Lockout.AllowedForNewUsers = true;
                o.User.RequireUniqueEmail = false;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<FieldStoreContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders();

        services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "Admin API key, bearer token or cookie", o => o.ForwardDefaultSelector = CredentialScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, null)
            .AddBearerToken(IdentityConstants.BearerScheme, o =>
            {
                o.BearerTokenExpiration = accounts.TokenLifetime;
                o.RefreshTokenExpiration = accounts.RefreshTokenLifetime;
            })
            .AddCookie(IdentityConstants.ApplicationScheme, o =>
            {
                o.Cookie.Name = "cropvision.auth";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = accounts.CookieLifetime;
                o.SlidingExpiration = true;
                // An API answers 401/403, never a redirect to a login page.
                o.Events.OnRedirectToLogin = c => { c.Response.StatusCode = StatusCodes.Status401Unauthorized; return Task.CompletedTask; };
                o.Events.OnRedirectToAccessDenied = c => { c.Response.StatusCode = StatusCodes.Status403Forbidden; return Task.CompletedTask; };
            });
        // Every authenticated request is checked against the account's current state (roles, lock, security stamp).
        services.AddScoped<IClaimsTransformation, AccountStateCheck>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, RevokedCredentialChallenge>();
        services.AddSingleton<SignInThrottle>();
        services.AddScoped<PasswordCheck>();
        services.AddOptions<RateLimiterOptions>().Configure(o => o.AddPolicy<string, SignInRateLimit>(SignInRateLimit.PolicyName));
        services.AddAuthorizationBuilder()
            .AddPolicy(OfficerPolicy, p => p.RequireAuthenticatedUser().RequireRole(Roles.Officer, Roles.Admin))
            .AddPolicy(AdminPolicy, p => p.RequireAuthenticatedUser().RequireRole(Roles.Admin));
        services.AddAntiforgery(o =>
        {
            o.HeaderName = CookieAntiforgery.HeaderName;
            o.Cookie.Name = "cropvision.csrf";
            o.Cookie.SameSite = SameSiteMode.Strict;
        });
        // Cookies and tokens are protected with keys kept in the data folder, so they survive restarts and every
        // process that shares the data folder (and database) accepts them.
        var dataProtection = services.AddDataProtection().SetApplicationName("CropVision");
        services.AddOptions<KeyManagementOptions>().Configure<FieldStorePaths, ILoggerFactory>((o, paths, logs) =>
            o.XmlRepository = new FileSystemXmlRepository(new DirectoryInfo(paths.Keys), logs));
        // With a certificate the keys are stored encrypted (XML encryption), so a copy of the data folder alone opens nothing.
        if (builder.Configuration["DataProtection:CertificatePath"] is { Length: > 0 } certificate)
            dataProtection.ProtectKeysWithCertificate(X509CertificateLoader.LoadPkcs12FromFile(certificate, builder.Configuration["DataProtection:CertificatePassword"]));
        services.AddScoped<CurrentOfficer>();
        services.AddHostedService<AdminBootstrap>();
        return builder;
    }

    /// <summary>Sign-in, sign-out and tokens (/v1/auth), and account administration (/v1/accounts).</summary>
    public static IEndpointRouteBuilder MapAccountsApi(this IEndpointRouteBuilder app) => app.MapAuth().MapAccounts();

    /// <summary>
    /// The one scheme that authenticates a request, from the credential it carries: the admin API key's header, else a
    /// bearer header, else the login cookie. A request is never authenticated by a second credential it also carries.
    /// </summary>
    public static string CredentialScheme(HttpContext http) =>
        ApiKeyAuthentication.HasKeyHeader(http) ? ApiKeyAuthentication.SchemeName
        : HasBearerHeader(http) ? IdentityConstants.BearerScheme
        : IdentityConstants.ApplicationScheme;

    private static bool HasBearerHeader(HttpContext http) =>
        http.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase);

    /// <summary>Officer endpoints: an officer or admin whose credential still matches the account (see <see cref="AccountStateCheck"/>); anti-forgery on cookie posts.</summary>
    public static TBuilder RequireOfficer<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(OfficerPolicy).AddEndpointFilter(CurrentOfficer.LoadAsync).AddEndpointFilter(CookieAntiforgery.ValidateAsync)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);

    /// <summary>Admin endpoints: an admin account (see <see cref="RequireOfficer"/>); with <paramref name="orApiKey"/>, also the admin API key.</summary>
    public static TBuilder RequireAdmin<TBuilder>(this TBuilder builder, bool orApiKey = false) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(orApiKey ? [new ApiKeyAuthentication.AllowApiKey()] : []).RequireAuthorization(AdminPolicy).AddEndpointFilter(CurrentOfficer.LoadAsync).AddEndpointFilter(CookieAntiforgery.ValidateAsync)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);
}
