namespace CropVision.Api.Http;

/// <summary>"Https" section: redirect plain HTTP and send HSTS. Both off by default (a proxy usually does both, and a phone on the LAN may only have HTTP).</summary>
public sealed class HttpsSettings
{
    public const string Section = "Https";
    /// <summary>Answer plain-HTTP requests with a redirect to HTTPS.</summary>
    public bool Redirect { get; set; }
    /// <summary>The HTTPS port the redirect names; empty: the HTTPS address Kestrel listens on.</summary>
    public int? Port { get; set; }
    /// <summary>Strict-Transport-Security max-age in days on HTTPS answers; 0: none. Not sent for localhost.</summary>
    public int HstsMaxAgeDays { get; set; }
}

public static class HttpsSetup
{
    public static IHostApplicationBuilder AddHttps(this IHostApplicationBuilder builder)
    {
        var settings = Settings(builder.Configuration);
        builder.Services.AddHttpsRedirection(o => o.HttpsPort = settings.Port);
        builder.Services.AddHsts(o => o.MaxAge = TimeSpan.FromDays(Math.Max(0, settings.HstsMaxAgeDays)));
        return builder;
    }

    /// <summary>After the forwarded headers, so a request that reached the proxy over HTTPS counts as HTTPS.</summary>
    public static WebApplication UseHttps(this WebApplication app)
    {
        var settings = Settings(app.Configuration);
        if (settings.HstsMaxAgeDays > 0) app.UseHsts();
        if (settings.Redirect) app.UseHttpsRedirection();
        return app;
    }

    private static HttpsSettings Settings(IConfiguration configuration) =>
        configuration.GetSection(HttpsSettings.Section).Get<HttpsSettings>() ?? new();
}
