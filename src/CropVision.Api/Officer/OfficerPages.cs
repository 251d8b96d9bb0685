using CropVision.Api.WebApp;

namespace CropVision.Api.Officer;

public sealed record OfficerConfig(string TileUrl, string TileAttribution);

/// <summary>
/// The officer pages (built from ClientApp/src/officer into wwwroot/officer/): /officer redirects there, the page reads
/// its map settings from /v1/officer/config, and its Content-Security-Policy also lets in pictures from the tile server.
/// </summary>
public static class OfficerPages
{
    public static IHostApplicationBuilder AddOfficer(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<MapOptions>().BindConfiguration(MapOptions.Section).ValidateOnStart();
        return builder;
    }

    /// <summary>Before UseWebApp: /officer goes to /officer/ (the page), and img-src is widened there by the tile server's origin.</summary>
    public static WebApplication UseOfficerPages(this WebApplication app)
    {
        // A middleware, not an endpoint: routing ignores a trailing slash, so an endpoint would also catch /officer/.
        app.Use((http, next) =>
        {
            if (http.Request.Path.Value == "/officer") { http.Response.Redirect("/officer/"); return Task.CompletedTask; }
            return next(http);
        });
        var tiles = app.Configuration.GetSection(MapOptions.Section).Get<MapOptions>() ?? new MapOptions();
        var origin = TileOrigin(tiles.TileUrl);
        if (origin is not null)
        {
            var policy = WebAppSetup.ContentSecurityPolicy.Replace("img-src 'self'", $"img-src 'self' {origin}", StringComparison.Ordinal);
            app.Use((http, next) =>
            {
                if (http.Request.Path.StartsWithSegments("/officer"))
                    http.Response.OnStarting(() => { http.Response.Headers.ContentSecurityPolicy = policy; return Task.CompletedTask; });
                return next(http);
            });
        }
        return app;
    }

    public static IEndpointRouteBuilder MapOfficerApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/officer/config", (Microsoft.Extensions.Options.IOptions<MapOptions> map) =>
                TypedResults.Ok(new OfficerConfig(TileOrigin(map.Value.TileUrl) is null ? "" : map.Value.TileUrl, map.Value.TileAttribution)))
            .WithTags("Surveys").WithName("OfficerConfig").WithSummary("Settings of the officer pages: the map's tile server (empty: no tiles)");
        return app;
    }

    /// <summary>scheme://host[:port] of an http(s) tile template, or null when there is none (or it is not a URL).</summary>
    private static string? TileOrigin(string? template)
    {
        if (string.IsNullOrWhiteSpace(template)) return null;
        var probe = template.Replace("{s}", "a").Replace("{z}", "0").Replace("{x}", "0").Replace("{y}", "0").Replace("{r}", "");
        return Uri.TryCreate(probe, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri.GetLeftPart(UriPartial.Authority) : null;
    }
}
