using System.Security.Cryptography;
using CropVision.FieldStore.Model;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using static CropVision.Api.Http.Problems;

namespace CropVision.Api.Accounts;

/// <summary>
/// Checks a sign-in's password without telling a stranger anything: an unknown name costs the same hash work and gets
/// the same answer as a wrong password; failures are throttled per name and address (<see cref="SignInThrottle"/>),
/// never by locking the account; only the right password learns that an admin has locked the account.
/// </summary>
public sealed class PasswordCheck(UserManager<Account> users, SignInThrottle throttle)
{
    private static string? s_unknownUserHash;

    public async Task<(Account?, ProblemHttpResult?)> CheckAsync(Credentials? body, HttpContext http)
    {
        if (body is null || string.IsNullOrWhiteSpace(body.UserName) || string.IsNullOrEmpty(body.Password))
            return (null, Create(StatusCodes.Status400BadRequest, "Credentials required", "Send JSON {\"userName\": ..., \"password\": ...}."));
        var name = body.UserName.Trim();
        var address = ClientAddress(http);
        if (throttle.RetryAfter(name, address) is { } wait) return (null, SignInRateLimit.TooManySignIns(http, wait));

        var account = await users.FindByNameAsync(name);
        var right = account is null ? VerifyAgainstNobody(body.Password) : await users.CheckPasswordAsync(account, body.Password);
        if (!right)
        {
            throttle.RecordFailure(name, address);
            return (null, Create(StatusCodes.Status401Unauthorized, "Sign-in failed", "The user name or password is wrong."));
        }
        throttle.RecordSuccess(name, address);
        if (await users.IsLockedOutAsync(account!))
            return (null, Create(StatusCodes.Status401Unauthorized, "Account locked", "An admin has locked this account."));
        return (account, null);
    }

    /// <summary>The same password-hash work as for a real account (PBKDF2 dominates a sign-in's time), always false.</summary>
    private bool VerifyAgainstNobody(string password)
    {
        var hash = s_unknownUserHash ??= users.PasswordHasher.HashPassword(new Account(), Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)));
        users.PasswordHasher.VerifyHashedPassword(new Account(), hash, password);
        return false;
    }
}
