using System.Net;
using static CropVision.Api.Http.Problems;

namespace CropVision.Api.Http;

/// <summary>
/// /metrics for the networks in Metrics:AllowedNetworks (CIDR) only, 403 for others; open to all while the list is
/// empty (as before). The counters name models, queue depths and request rates: nothing for the public internet.
/// </summary>
public static class MetricsAccess
{
    public const string Path = "/metrics";

    public static WebApplication UseMetricsAccess(this WebApplication app)
    {
        var networks = (app.Configuration.GetSection("Metrics:AllowedNetworks").Get<string[]>() ?? []).Select(n => IPNetwork.TryParse(n.Trim(), out var net) ? net
            : throw new InvalidOperationException($"Metrics:AllowedNetworks: '{n}' is not a CIDR network (such as 10.0.0.0/24).")).ToList();
        if (networks.Count == 0) return app;
        app.Use(async (http, next) =>
        {
            if (http.Request.Path.StartsWithSegments(Path) && !Allowed(http.Connection.RemoteIpAddress, networks))
            {
                await Create(StatusCodes.Status403Forbidden, "Metrics not served here", "Metrics are served to the networks in Metrics:AllowedNetworks only.")
                    .ExecuteAsync(http);
                return;
            }
            await next(http);
        });
        return app;
    }

    private static bool Allowed(IPAddress? address, List<IPNetwork> networks)
    {
        if (address is null) return false;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        return networks.Any(n => n.Contains(address));
    }
}
