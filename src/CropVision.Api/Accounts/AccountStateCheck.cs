using System.Security.Claims;
using CropVision.FieldStore.Model;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;

namespace CropVision.Api.Accounts;

/// <summary>
/// Runs on every authenticated request (a claims transformation, so for cookies and bearer tokens alike): reads the
/// account's current state from the store and replaces the credential's claims with it. A token or cookie whose
/// security stamp is no longer the account's (password reset, role or team change, sign-out, lock), or whose account
/// is gone or locked by an admin, authenticates nobody; roles are the account's roles now, not the ones it was issued
/// with. Two lookups per request: the account by its key, and its roles.
/// </summary>
public sealed class AccountStateCheck(SignInManager<Account> signIn, CurrentOfficer current) : IClaimsTransformation
{
    public async Task<ClaimsPrincipal> TransformAsync(ClaimsPrincipal principal)
    {
        if (principal.Identity?.IsAuthenticated != true || ApiKeyAuthentication.IsApiKey(principal)) return principal;
        // The policy scheme forwards to the real one, so this runs twice per request: once is enough.
        if (current.Principal is { } checkedBefore) return checkedBefore;

        var users = signIn.UserManager;
        var account = await users.GetUserAsync(principal);
        var stamp = principal.FindFirstValue(signIn.Options.ClaimsIdentity.SecurityStampClaimType);
        if (account is null || stamp is null || stamp != account.SecurityStamp || await users.IsLockedOutAsync(account))
            return new ClaimsPrincipal(new ClaimsIdentity());

        // The credential's own claims with the roles the account has now: one query (CreateUserPrincipalAsync would also
        // load the user's and each role's claims, none of which this service uses, on every request).
        var roles = await users.GetRolesAsync(account);
        var issued = (ClaimsIdentity)principal.Identity;
        var identity = new ClaimsIdentity(issued.Claims.Where(c => c.Type != issued.RoleClaimType), issued.AuthenticationType,
            issued.NameClaimType, issued.RoleClaimType);
        foreach (var role in roles) identity.AddClaim(new Claim(issued.RoleClaimType, role));
        var fresh = new ClaimsPrincipal(identity);
        current.Set(account, roles.Contains(Roles.Admin), fresh);
        return fresh;
    }
}
