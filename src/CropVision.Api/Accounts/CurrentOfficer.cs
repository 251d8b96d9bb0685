using CropVision.FieldStore.Model;
using Microsoft.AspNetCore.Identity;
using static CropVision.Api.Http.Problems;

namespace CropVision.Api.Accounts;

/// <summary>The account behind the request (loaded once per request by the officer endpoints' filter).</summary>
public sealed class CurrentOfficer
{
    public Account Account { get; private set; } = null!;
    public bool IsAdmin { get; private set; }
    public string UserName => Account.UserName!;
    public string Team => Account.Team;

    /// <summary>Whether this officer may see a survey of <paramref name="team"/>: their own team's, or any for an admin.</summary>
    public bool Sees(string team) => IsAdmin || string.Equals(team, Team, StringComparison.Ordinal);

    /// <summary>
    /// Loads the account from the database: a token or cookie of an account that has since been deleted or locked out
    /// stops working at once.
    /// </summary>
    public static async ValueTask<object?> LoadAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (ApiKeyAuthentication.IsApiKey(http.User))
        {
            // The API key is an admin with no account, accepted only where the endpoint says so.
            if (http.GetEndpoint()?.Metadata.GetMetadata<ApiKeyAuthentication.AllowApiKey>() is null)
                return Create(StatusCodes.Status403Forbidden, "API key not accepted here", "This endpoint needs an admin account.");
            http.RequestServices.GetRequiredService<CurrentOfficer>().IsAdmin = true;
            return await next(context);
        }
        var users = http.RequestServices.GetRequiredService<UserManager<Account>>();
        var account = await users.GetUserAsync(http.User);
        if (account is null) return Create(StatusCodes.Status401Unauthorized, "Not signed in", "The account behind this token or cookie no longer exists.");
        if (await users.IsLockedOutAsync(account)) return Create(StatusCodes.Status401Unauthorized, "Account locked", "This account is locked out.");
        var current = http.RequestServices.GetRequiredService<CurrentOfficer>();
        current.Account = account;
        current.IsAdmin = await users.IsInRoleAsync(account, Roles.Admin);
        return await next(context);
    }
}
