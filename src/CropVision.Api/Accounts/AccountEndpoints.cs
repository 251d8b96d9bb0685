using CropVision.FieldStore.Model;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using static CropVision.Api.Http.Problems;

namespace CropVision.Api.Accounts;

public sealed record AccountView(string UserName, string? DisplayName, string Team, IReadOnlyList<string> Roles, bool LockedOut, DateTimeOffset? LockedUntil);
public sealed record NewAccount(string? UserName, string? Password, string? Team, string? DisplayName, string[]? Roles);
public sealed record AccountChange(string? Team, string? DisplayName, string[]? Roles, string? Password, bool? Locked);

/// <summary>Admin-only account management: create officers, set teams and roles, reset passwords, lock and unlock.</summary>
public static class AccountEndpoints
{
    internal static IEndpointRouteBuilder MapAccounts(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/accounts").WithTags("Accounts").RequireAdmin().AddEndpointFilter(NoStore.Filter)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapGet("/", ListAsync).WithName("ListAccounts");
        group.MapPost("/", CreateAsync).WithName("CreateAccount");
        group.MapGet("/{userName}", GetAsync).WithName("GetAccount");
        group.MapPatch("/{userName}", ChangeAsync).WithName("ChangeAccount").WithSummary("Team, display name, roles, new password, lock or unlock");
        group.MapDelete("/{userName}", DeleteAsync).WithName("DeleteAccount");
        return app;
    }

    private static async Task<Ok<List<AccountView>>> ListAsync(UserManager<Account> users)
    {
        var all = users.Users.OrderBy(u => u.UserName).ToList();
        var views = new List<AccountView>();
        foreach (var account in all) views.Add(await ViewAsync(account, users));
        return TypedResults.Ok(views);
    }

    private static async Task<Results<Ok<AccountView>, ProblemHttpResult>> GetAsync(string userName, UserManager<Account> users) =>
        await users.FindByNameAsync(userName) is { } account ? TypedResults.Ok(await ViewAsync(account, users)) : NotFound(userName);

    private static async Task<Results<Created<AccountView>, ProblemHttpResult>> CreateAsync(NewAccount? body, UserManager<Account> users, TimeProvider clock)
    {
        if (body is null || string.IsNullOrWhiteSpace(body.UserName) || string.IsNullOrEmpty(body.Password) || string.IsNullOrWhiteSpace(body.Team))
            return Create(StatusCodes.Status400BadRequest, "Account incomplete", "Give userName, password and team (roles default to officer).");
        var roles = body.Roles is { Length: > 0 } r ? r : [Roles.Officer];
        if (BadRoles(roles) is { } bad) return bad;
        if (await users.FindByNameAsync(body.UserName.Trim()) is not null)
            return Create(StatusCodes.Status409Conflict, "Account exists", $"An account named '{body.UserName.Trim()}' already exists.");
        var account = new Account { UserName = body.UserName.Trim(), Team = body.Team.Trim(), DisplayName = body.DisplayName?.Trim(), CreatedAt = clock.GetUtcNow() };
        var created = await users.CreateAsync(account, body.Password);
        if (!created.Succeeded) return Refused(created);
        await users.AddToRolesAsync(account, roles.Distinct());
        return TypedResults.Created($"/v1/accounts/{Uri.EscapeDataString(account.UserName)}", await ViewAsync(account, users));
    }

    private static async Task<Results<Ok<AccountView>, ProblemHttpResult>> ChangeAsync(string userName, AccountChange? body, UserManager<Account> users, CurrentOfficer me)
    {
        if (body is null) return Create(StatusCodes.Status400BadRequest, "Nothing to change", "Send JSON with team, displayName, roles, password or locked.");
        var account = await users.FindByNameAsync(userName);
        if (account is null) return NotFound(userName);
        if (body.Roles is { } roles)
        {
            if (BadRoles(roles) is { } bad) return bad;
            if (account.Id == me.Account.Id && !roles.Contains(Roles.Admin))
                return Create(StatusCodes.Status409Conflict, "Cannot drop own admin role", "Another admin must do that, so an admin always remains.");
            var current = await users.GetRolesAsync(account);
            await users.RemoveFromRolesAsync(account, current.Except(roles));
            await users.AddToRolesAsync(account, roles.Distinct().Except(current));
            // Tokens and cookies issued with the old roles end now (a demoted admin must not keep admin rights).
            if (!current.ToHashSet().SetEquals(roles)) await users.UpdateSecurityStampAsync(account);
        }
        if (body.Team is { } team)
        {
            if (string.IsNullOrWhiteSpace(team)) return Create(StatusCodes.Status400BadRequest, "Team required", "The team cannot be empty.");
            account.Team = team.Trim();
        }
        if (body.DisplayName is not null) account.DisplayName = body.DisplayName.Trim();
        var updated = await users.UpdateAsync(account);
        if (!updated.Succeeded) return Refused(updated);
        if (body.Password is { } password)
        {
            var token = await users.GeneratePasswordResetTokenAsync(account);
            var reset = await users.ResetPasswordAsync(account, token, password);
            if (!reset.Succeeded) return Refused(reset);
        }
        if (body.Locked is { } locked)
        {
            if (locked && account.Id == me.Account.Id) return Create(StatusCodes.Status409Conflict, "Cannot lock yourself", "Another admin must do that.");
            await users.SetLockoutEndDateAsync(account, locked ? LockedForGood : null);
            if (!locked) await users.ResetAccessFailedCountAsync(account);
            await users.UpdateSecurityStampAsync(account); // ends the account's cookies and tokens at once
        }
        return TypedResults.Ok(await ViewAsync(account, users));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string userName, UserManager<Account> users, CurrentOfficer me)
    {
        var account = await users.FindByNameAsync(userName);
        if (account is null) return NotFound(userName);
        if (account.Id == me.Account.Id) return Create(StatusCodes.Status409Conflict, "Cannot delete yourself", "Another admin must do that, so an admin always remains.");
        var deleted = await users.DeleteAsync(account);
        return deleted.Succeeded ? TypedResults.NoContent() : Refused(deleted);
    }

    /// <summary>"Locked until an admin unlocks": far future, but inside what every database stores.</summary>
    private static readonly DateTimeOffset LockedForGood = new(9999, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static async Task<AccountView> ViewAsync(Account account, UserManager<Account> users)
    {
        var lockedUntil = account.LockoutEnd is { } end && end > DateTimeOffset.UtcNow ? end : (DateTimeOffset?)null;
        return new AccountView(account.UserName!, account.DisplayName, account.Team, [.. await users.GetRolesAsync(account)], lockedUntil is not null, lockedUntil);
    }

    private static ProblemHttpResult? BadRoles(IEnumerable<string> roles) =>
        roles.FirstOrDefault(r => !Roles.All.Contains(r)) is { } bad
            ? Create(StatusCodes.Status400BadRequest, "Unknown role", $"'{bad}' is not a role: use {string.Join(" or ", Roles.All)}.")
            : null;

    private static ProblemHttpResult NotFound(string userName) =>
        Create(StatusCodes.Status404NotFound, "No such account", $"No account is named '{userName}'.");

    private static ProblemHttpResult Refused(IdentityResult result) =>
        Create(StatusCodes.Status422UnprocessableEntity, "Account change refused", string.Join(" ", result.Errors.Select(e => e.Description)));
}
