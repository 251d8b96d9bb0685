using Microsoft.Net.Http.Headers;

namespace CropVision.Api.Http;

/// <summary>
/// A request whose Content-Type header does not parse (<c>multipart/form-data; boundary="unterminated</c>) is answered
/// with a 400 problem before any endpoint reads it: every reader of forms, JSON or uploads would otherwise meet the
/// parse error in its own way, some as a 500.
/// </summary>
public static class ContentTypeCheck
{
    public static IApplicationBuilder UseContentTypeCheck(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (http.Request.ContentType is { } value && !MediaTypeHeaderValue.TryParse(value, out _))
        {
            await Problems.Create(StatusCodes.Status400BadRequest, "Malformed Content-Type",
                "The Content-Type header cannot be parsed (RFC 9110: type/subtype, then ;name=value parameters, quotes closed).").ExecuteAsync(http);
            return;
        }
        await next(http);
    });
}
