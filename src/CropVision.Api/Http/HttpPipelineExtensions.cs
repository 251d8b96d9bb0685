using CropVision.Serving;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace CropVision.Api.Http;

public static class HttpPipelineExtensions
{
    /// <summary>
    /// What every endpoint shares: errors as RFC 9457 problems (never a stack trace, a body that does not bind is a 400
    /// in every environment), the OpenAPI document, the upload size Kestrel allows, and the rate limiter (features add
    /// their policies to <see cref="Microsoft.AspNetCore.RateLimiting.RateLimiterOptions"/>; UseRateLimiter runs it).
    /// </summary>
    public static IHostApplicationBuilder AddHttpPipeline(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddProblemDetails(o => o.CustomizeProblemDetails = c => Problems.AddCode(c.ProblemDetails));
        services.AddExceptionHandler<StoreConflictHandler>();
        // Development would otherwise throw on a body or parameter that does not bind: a 500.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = false);
        services.AddOpenApi();
        services.AddRateLimiter(_ => { });
        // Uploads are streamed and limited by Limits:MaxUploadBytes in ImageUploads; Kestrel's own cap sits just above it.
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<LimitsOptions>>((kestrel, limits) =>
            kestrel.Limits.MaxRequestBodySize = limits.Value.MaxUploadBytes + 64 * 1024);
        return builder;
    }
}
