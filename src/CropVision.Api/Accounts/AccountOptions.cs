using System.ComponentModel.DataAnnotations;

namespace CropVision.Api.Accounts;

/// <summary>"Accounts" section.</summary>
public sealed class AccountOptions
{
    public const string Section = "Accounts";
    /// <summary>How long a bearer token from POST /v1/auth/token is valid.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(12);
    /// <summary>How long its refresh token renews it (POST /v1/auth/refresh), while the account is unchanged.</summary>
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(7);
    public TimeSpan CookieLifetime { get; set; } = TimeSpan.FromHours(12);
    /// <summary>How sign-in guessing is slowed down (there is no lock-out a stranger can set off: see docs/security.md).</summary>
    public SignInThrottleOptions SignIn { get; set; } = new();
}

/// <summary>"Accounts:SignIn": throttling of POST /v1/auth/token, /login and /refresh.</summary>
public sealed class SignInThrottleOptions
{
    /// <summary>Sign-in requests one client address may make per <see cref="AddressWindow"/> (sliding); then 429.</summary>
    [Range(1, int.MaxValue)]
    public int AttemptsPerAddress { get; set; } = 30;
    public TimeSpan AddressWindow { get; set; } = TimeSpan.FromMinutes(1);
    /// <summary>
    /// Failed sign-ins for one user name within <see cref="FailureWindow"/> after which the addresses that failed are
    /// refused (429) for that name until their failures age out; addresses that have not failed for it still may try.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int FailuresPerUser { get; set; } = 5;
    public TimeSpan FailureWindow { get; set; } = TimeSpan.FromMinutes(15);
}

/// <summary>"Admin:Bootstrap" section: the first admin, created on a start with no accounts at all.</summary>
public sealed class BootstrapOptions
{
    public const string Section = "Admin:Bootstrap";
    public string User { get; set; } = "";
    public string Password { get; set; } = "";
    public string Team { get; set; } = "province";
}
