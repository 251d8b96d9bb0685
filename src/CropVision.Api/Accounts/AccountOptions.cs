namespace CropVision.Api.Accounts;

/// <summary>"Accounts" section.</summary>
public sealed class AccountOptions
{
    public const string Section = "Accounts";
    /// <summary>Failed passwords in a row before an account is locked out.</summary>
    public int MaxFailedAttempts { get; set; } = 5;
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);
    /// <summary>How long a bearer token from POST /v1/auth/token is valid.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(12);
    public TimeSpan CookieLifetime { get; set; } = TimeSpan.FromHours(12);
}

/// <summary>"Admin:Bootstrap" section: the first admin, created on a start with no accounts at all.</summary>
public sealed class BootstrapOptions
{
    public const string Section = "Admin:Bootstrap";
    public string User { get; set; } = "";
    public string Password { get; set; } = "";
    public string Team { get; set; } = "province";
}
