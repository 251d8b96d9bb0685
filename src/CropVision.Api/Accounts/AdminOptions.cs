namespace CropVision.Api.Accounts;

/// <summary>"Admin" section.</summary>
public sealed class AdminOptions
{
    public const string Section = "Admin";
    /// <summary>Key for admin endpoints (header X-Api-Key). Empty disables them.</summary>
    public string ApiKey { get; set; } = "";
}
