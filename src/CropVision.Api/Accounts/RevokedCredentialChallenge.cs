using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace CropVision.Api.Accounts;

/// <summary>
/// A token or cookie that <see cref="AccountStateCheck"/> turned away decodes fine, so the framework would call the
/// refusal "forbidden" (403). It authenticates nobody: answer 401, so that pages and scripts know to sign in again.
/// </summary>
public sealed class RevokedCredentialChallenge : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult) =>
        _default.HandleAsync(next, context, policy,
            authorizeResult.Forbidden && context.User.Identity?.IsAuthenticated != true ? PolicyAuthorizationResult.Challenge() : authorizeResult);
}
