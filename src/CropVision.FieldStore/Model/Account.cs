using Microsoft.AspNetCore.Identity;

namespace CropVision.FieldStore.Model;

/// <summary>An officer's or admin's account (ASP.NET Core Identity), with the team whose surveys it sees.</summary>
public sealed class Account : IdentityUser
{
    public string Team { get; set; } = "";
    public string? DisplayName { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>The roles an account can have.</summary>
public static class Roles
{
    public const string Officer = "officer";
    public const string Admin = "admin";
    public static readonly string[] All = [Officer, Admin];
}
