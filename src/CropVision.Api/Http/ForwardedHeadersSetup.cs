using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using IPNetwork = System.Net.IPNetwork;

namespace CropVision.Api.Http;

/// <summary>"ForwardedHeaders" section: the reverse proxies whose X-Forwarded-For / -Proto the service believes.</summary>
public sealed class ForwardedHeadersSettings
{
    public const string Section = "ForwardedHeaders";
    /// <summary>Proxy addresses (e.g. 10.0.0.5), besides loopback.</summary>
    public string[] KnownProxies { get; set; } = [];
    /// <summary>Proxy networks in CIDR (e.g. 10.0.0.0/24), besides loopback.</summary>
    public string[] KnownNetworks { get; set; } = [];
}

/// <summary>
/// X-Forwarded-For and X-Forwarded-Proto are honoured from loopback and the configured proxies only. Anyone else could
/// name any address, and the feedback rate limit (per client address) would start afresh for every request.
/// </summary>
public static class ForwardedHeadersSetup
{
    /// <summary>ASP.NET's switch (ASPNETCORE_FORWARDEDHEADERS_ENABLED): it runs the middleware itself, trusting every sender.</summary>
    private const string EnvironmentSwitch = "ForwardedHeaders_Enabled";

    public static IHostApplicationBuilder AddForwardedHeaders(this IHostApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection(ForwardedHeadersSettings.Section).Get<ForwardedHeadersSettings>() ?? new();
        var proxies = settings.KnownProxies.Select(p => IPAddress.TryParse(p.Trim(), out var ip) ? ip
            : throw new InvalidOperationException($"ForwardedHeaders:KnownProxies: '{p}' is not an IP address.")).ToList();
        var networks = settings.KnownNetworks.Select(n => IPNetwork.TryParse(n.Trim(), out var net) ? net
            : throw new InvalidOperationException($"ForwardedHeaders:KnownNetworks: '{n}' is not a CIDR network (such as 10.0.0.0/24).")).ToList();
        // Post-configure: it runs after the switch's own setup, which empties both lists; ours replace them either way.
        builder.Services.PostConfigure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            o.ForwardLimit = null; // walk back through trusted proxies; the first address not trusted is the client
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            o.KnownProxies.Add(IPAddress.IPv6Loopback);
            o.KnownIPNetworks.Add(IPNetwork.Parse("127.0.0.0/8"));
            foreach (var proxy in proxies) o.KnownProxies.Add(proxy);
            foreach (var network in networks) o.KnownIPNetworks.Add(network);
        });
        return builder;
    }

    /// <summary>First in the pipeline, so the rate limiter and logs see the client's address.</summary>
    public static WebApplication UseForwardedHeadersFromKnownProxies(this WebApplication app)
    {
        // With the switch on, ASP.NET already runs the middleware ahead of everything (with the lists above): not twice.
        if (!app.Configuration.GetValue<bool>(EnvironmentSwitch)) app.UseForwardedHeaders();
        return app;
    }
}
