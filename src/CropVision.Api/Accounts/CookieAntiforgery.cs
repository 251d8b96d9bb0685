using Microsoft.AspNetCore.Antiforgery;
using static CropVision.Api.Http.Problems;

namespace CropVision.Api.Accounts;

/// <summary>
/// Anti-forgery for requests authenticated by the login cookie: a browser sends the cookie with any cross-site form
/// post, so every state-changing cookie request must carry the token from GET /v1/auth/me in the X-CSRF-TOKEN header.
/// Bearer-token requests need none (a browser never adds the header by itself).
/// </summary>
public static class CookieAntiforgery
{
    public const string HeaderName = "X-CSRF-TOKEN";

    public static async ValueTask<object?> ValidateAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (RequiresToken(http))
        {
            // Checked before the framework looks at a form body, so a forged multipart upload is refused unread.
            if (!http.Request.Headers.ContainsKey(HeaderName))
                return Create(StatusCodes.Status400BadRequest, "Anti-forgery token missing", $"Send the token from GET /v1/auth/me in the {HeaderName} header.");
            try { await http.RequestServices.GetRequiredService<IAntiforgery>().ValidateRequestAsync(http); }
            catch (AntiforgeryValidationException)
            {
                return Create(StatusCodes.Status400BadRequest, "Anti-forgery token invalid", $"The {HeaderName} header does not match this session; fetch a new one from GET /v1/auth/me.");
            }
        }
        return await next(context);
    }

    /// <summary>
    /// A state-changing request authenticated by the cookie. A request that carries a bearer token or the admin API key
    /// is authenticated by that header alone (<see cref="AccountsExtensions.CredentialScheme"/>), and a browser cannot
    /// add one cross-site.
    /// </summary>
    public static bool RequiresToken(HttpContext http) =>
        !HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method) && !HttpMethods.IsOptions(http.Request.Method)
        && http.User.Identity is { IsAuthenticated: true }
        && AccountsExtensions.CredentialScheme(http) == Microsoft.AspNetCore.Identity.IdentityConstants.ApplicationScheme;
}
