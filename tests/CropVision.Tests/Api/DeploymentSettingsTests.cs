using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CropVision.Tests.Support;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CropVision.Tests.Api;

/// <summary>Settings for running it in the open (issue 19): listen address, HTTPS, who gets /metrics, the key ring's encryption.</summary>
[Trait("Category", "Fast")]
public class DeploymentSettingsTests
{
    private static Dictionary<string, string?> Settings(TempFolder tmp, params (string Key, string Value)[] extra)
    {
        var settings = ServiceFactory.Defaults(tmp.Sub("models")); // no model: these tests need none
        foreach (var (key, value) in extra) settings[key] = value;
        return settings;
    }

    [Fact]
    public void The_configuration_does_not_force_urls()
    {
        // A "Urls" key in appsettings.json beat ASPNETCORE_URLS; without one, --urls, ASPNETCORE_URLS and Kestrel's own
        // default (http://localhost:5000) apply.
        var json = new ConfigurationBuilder().AddJsonFile(Path.Combine(SharedData.RepositoryRoot, "src", "CropVision.Api", "appsettings.json")).Build();
        Assert.Null(json["Urls"]);
        Assert.Null(json["Kestrel:Endpoints"]);
        Assert.False(File.Exists(Path.Combine(SharedData.RepositoryRoot, "src", "CropVision.Api", "Properties", "launchSettings.json")),
            "a launch profile's applicationUrl would override ASPNETCORE_URLS under dotnet run");
    }

    [Fact]
    public async Task Https_redirect_and_hsts_are_off_unless_configured()
    {
        using var tmp = new TempFolder();
        var client = (Uri baseAddress, ServiceFactory f) => f.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = baseAddress, AllowAutoRedirect = false });
        await using (var plain = new ServiceFactory(Settings(tmp)))
        {
            Assert.Equal(HttpStatusCode.OK, (await client(new Uri("http://cropvision.example"), plain).GetAsync("/v2/health/live")).StatusCode);
            Assert.False((await client(new Uri("https://cropvision.example"), plain).GetAsync("/v2/health/live")).Headers.Contains("Strict-Transport-Security"));
        }
        await using var strict = new ServiceFactory(Settings(tmp, ("Https:Redirect", "true"), ("Https:Port", "443"), ("Https:HstsMaxAgeDays", "365")));
        var redirected = await client(new Uri("http://cropvision.example"), strict).GetAsync("/v2/health/live");
        Assert.Equal(HttpStatusCode.TemporaryRedirect, redirected.StatusCode);
        Assert.Equal("https://cropvision.example/v2/health/live", redirected.Headers.Location?.ToString());
        var secure = await client(new Uri("https://cropvision.example"), strict).GetAsync("/v2/health/live");
        Assert.Equal(HttpStatusCode.OK, secure.StatusCode);
        Assert.Equal("max-age=31536000", string.Join(",", secure.Headers.GetValues("Strict-Transport-Security")));
    }

    [Fact]
    public async Task Metrics_are_refused_outside_the_allowed_networks()
    {
        using var tmp = new TempFolder();
        await using var service = new ServiceFactory(Settings(tmp, ("Metrics:AllowedNetworks:0", "10.0.0.0/24")));
        using var client = service.CreateClient();
        async Task<HttpStatusCode> Get(string from, string? forwardedFor = null) =>
            (await client.SendAsync(TestClientAddress.Request(HttpMethod.Get, "/metrics", from, forwardedFor))).StatusCode;
        Assert.Equal(HttpStatusCode.OK, await Get("10.0.0.9"));
        Assert.Equal(HttpStatusCode.Forbidden, await Get("203.0.113.7"));
        Assert.Equal(HttpStatusCode.Forbidden, await Get("203.0.113.7", forwardedFor: "10.0.0.9")); // not a trusted proxy
        await ServiceRequests.Problem(await client.SendAsync(TestClientAddress.Request(HttpMethod.Get, "/METRICS", "203.0.113.7")), HttpStatusCode.Forbidden);

        await using var open = new ServiceFactory(Settings(tmp));
        Assert.Equal(HttpStatusCode.OK, (await open.CreateClient().SendAsync(TestClientAddress.Request(HttpMethod.Get, "/metrics", "203.0.113.7"))).StatusCode);
    }

    [Fact]
    public async Task Data_protection_keys_are_encrypted_with_a_configured_certificate()
    {
        using var tmp = new TempFolder();
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=cropvision-keys", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var pfx = tmp.Sub("keys.pfx");
        await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pfx, "pfx-password"));
        var settings = Settings(tmp, ("DataProtection:CertificatePath", pfx), ("DataProtection:CertificatePassword", "pfx-password"));

        await using var service = new ServiceFactory(settings);
        var protector = service.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test");
        var secret = protector.Protect("a cookie's worth");
        Assert.Equal("a cookie's worth", protector.Unprotect(secret));

        var keys = Directory.GetFiles(Path.Combine(settings["Store:DataFolder"]!, "keys"), "key-*.xml");
        Assert.NotEmpty(keys);
        foreach (var key in keys)
        {
            var xml = await File.ReadAllTextAsync(key);
            Assert.Contains("EncryptedData", xml);
            Assert.DoesNotContain("<masterKey", xml);
        }
    }
}
