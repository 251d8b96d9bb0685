using System.Security.Claims;
using CropVision.FieldStore.Model;
using static CropVision.Api.Http.Problems;

namespace CropVision.Api.Accounts;

/// <summary>The account behind the request, as the store has it now (loaded by <see cref="AccountStateCheck"/>).</summary>
public sealed class CurrentOfficer
{
    public Account Account { get; private set; } = null!;
    public bool IsAdmin { get; private set; }
    public string UserName => Account.UserName!;
    public string Team => Account.Team;

    /// <summary>The principal rebuilt from the account's current state, once this request has been checked.</summary>
    internal ClaimsPrincipal? Principal { get; private set; }

    internal void Set(Account account, bool isAdmin, ClaimsPrincipal principal) => (Account, IsAdmin, Principal) = (account, isAdmin, principal);

    /// <summary>Whether this officer may see a survey of <paramref name="team"/>: their own team's, or any for an admin.</summary>
    public bool Sees(string team) => IsAdmin || string.Equals(team, Team, StringComparison.Ordinal);

    /// <summary>
    /// The officer endpoints' filter: the API key passes only where the endpoint allows it; an account must have been
    /// loaded by the per-request check (the authorization policy has already refused anyone else).
    /// </summary>
    public static async ValueTask<object?> LoadAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var current = http.RequestServices.GetRequiredService<CurrentOfficer>();
        if (ApiKeyAuthentication.IsApiKey(http.User))
        {
            // The API key is an admin with no account, accepted only where the endpoint says so.
            if (http.GetEndpoint()?.Metadata.GetMetadata<ApiKeyAuthentication.AllowApiKey>() is null)
                return Create(StatusCodes.Status403Forbidden, "API key not accepted here", "This endpoint needs an admin account.");
            current.IsAdmin = true;
            return await next(context);
        }
        if (current.Principal is null) return Create(StatusCodes.Status401Unauthorized, "Not signed in", "Sign in again: this token or cookie is no longer valid.");
        return await next(context);
    }
}
