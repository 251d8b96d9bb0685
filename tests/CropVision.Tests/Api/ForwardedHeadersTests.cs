using System.Net;
using CropVision.Tests.Support;

namespace CropVision.Tests.Api;

/// <summary>X-Forwarded-For is believed from loopback and the configured proxies only (issue 19).</summary>
[Trait("Category", "Fast")]
public class ForwardedHeadersTests
{
    private static ServiceFactory Service(TempFolder tmp, params (string Key, string Value)[] extra)
    {
        var settings = ServiceFactory.Defaults(tmp.Sub("models")); // no model: the rate limit runs before the handler
        settings["Feedback:PermitLimit"] = "2";
        foreach (var (key, value) in extra) settings[key] = value;
        return new ServiceFactory(settings);
    }

    /// <summary>Sends feedback (an empty form: the limiter counts it before the handler refuses it) and says whether it was rate-limited.</summary>
    private static async Task<bool> LimitedAsync(ServiceFactory service, HttpClient client, string from, string forwardedFor)
    {
        var request = TestClientAddress.Request(HttpMethod.Post, "/v1/feedback", from, forwardedFor);
        request.Content = new MultipartFormDataContent();
        return (await client.SendAsync(request)).StatusCode == HttpStatusCode.TooManyRequests;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // ASPNETCORE_FORWARDEDHEADERS_ENABLED=true, which on its own trusts every sender
    public async Task A_spoofed_forwarded_for_from_an_untrusted_address_does_not_escape_the_rate_limit(bool environmentSwitch)
    {
        using var tmp = new TempFolder();
        await using var service = Service(tmp, ("ForwardedHeaders_Enabled", environmentSwitch ? "true" : "false"), ("ForwardedHeaders:KnownProxies:0", "10.0.0.5"));
        using var client = service.CreateClient();
        var limited = new List<bool>();
        for (int i = 0; i < 3; i++) limited.Add(await LimitedAsync(service, client, "203.0.113.7", $"198.51.100.{i + 1}"));
        Assert.Equal([false, false, true], limited);
    }

    [Theory]
    [InlineData("ForwardedHeaders:KnownProxies:0", "10.0.0.5", "10.0.0.5")]
    [InlineData("ForwardedHeaders:KnownNetworks:0", "10.0.0.0/24", "10.0.0.77")]
    [InlineData("ForwardedHeaders:KnownProxies:0", "10.0.0.5", "127.0.0.1")] // loopback is trusted without settings
    public async Task Forwarded_for_from_a_configured_proxy_is_the_clients_address(string key, string value, string proxy)
    {
        using var tmp = new TempFolder();
        await using var service = Service(tmp, (key, value));
        using var client = service.CreateClient();
        // Each phone behind the proxy has its own limit...
        for (int i = 0; i < 3; i++) Assert.False(await LimitedAsync(service, client, proxy, $"198.51.100.{i + 1}"));
        // ...and one phone is limited whatever it puts in front of the address the proxy appends.
        var limited = new List<bool>();
        for (int i = 0; i < 3; i++) limited.Add(await LimitedAsync(service, client, proxy, $"192.0.2.{i + 1}, 198.51.100.9"));
        Assert.Equal([false, false, true], limited);
    }
}
