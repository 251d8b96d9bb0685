using System.Net;
using System.Text.RegularExpressions;
using CropVision.Tests.Support;

namespace CropVision.Tests.Api;

/// <summary>How the web app is served: / is the app, compressed, hashed assets cached for good, the rest revalidated, a CSP everywhere.</summary>
[Trait("Category", "Fast")]
public class WebAppServingTests(CommittedModelService service) : IClassFixture<CommittedModelService>
{
    private readonly HttpClient _client = service.CreateDefaultClient(new NoDecompression());

    private sealed class NoDecompression : DelegatingHandler; // keeps Content-Encoding visible

    private async Task<HttpResponseMessage> Get(string path, string? encoding = "br, gzip")
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (encoding is not null) request.Headers.TryAddWithoutValidation("Accept-Encoding", encoding);
        return await _client.SendAsync(request);
    }

    [Fact]
    public async Task The_root_is_the_app_with_a_csp_and_revalidation()
    {
        var response = await Get("/", encoding: null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("no-cache", response.Headers.CacheControl!.ToString());
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self'", csp);
        Assert.DoesNotContain("unsafe-inline", csp);
        var html = await response.Content.ReadAsStringAsync();
        Assert.DoesNotMatch("<script(?![^>]*\\bsrc=)[^>]*>", html); // no inline script
        Assert.Matches("/assets/main-[A-Z0-9]+\\.js", html);
    }

    [Fact]
    public async Task Hashed_assets_are_compressed_and_cached_for_a_year()
    {
        var html = await (await Get("/", encoding: null)).Content.ReadAsStringAsync();
        foreach (var path in Regex.Matches(html, "/assets/[^\"]+\\.(?:js|css)").Select(m => m.Value))
        {
            var response = await Get(path, "br");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("br", response.Content.Headers.ContentEncoding.Single());
            Assert.Equal("public, max-age=31536000, immutable", response.Headers.CacheControl!.ToString());
            var gz = await Get(path, "gzip");
            Assert.Equal("gzip", gz.Content.Headers.ContentEncoding.Single());
        }
    }

    [Fact]
    public async Task The_service_worker_and_manifest_are_revalidated()
    {
        var sw = await Get("/sw.js", encoding: null);
        Assert.Equal(HttpStatusCode.OK, sw.StatusCode);
        Assert.Contains("no-cache", sw.Headers.CacheControl!.ToString());
        var manifest = await Get("/manifest.webmanifest", encoding: null);
        Assert.Equal("application/manifest+json", manifest.Content.Headers.ContentType?.MediaType);
        var icons = System.Text.Json.JsonDocument.Parse(await manifest.Content.ReadAsStringAsync()).RootElement.GetProperty("icons");
        foreach (var icon in icons.EnumerateArray())
            Assert.Equal(HttpStatusCode.OK, (await Get(icon.GetProperty("src").GetString()!)).StatusCode);
    }

    [Fact]
    public async Task Answers_holding_secrets_are_never_compressed()
    {
        Assert.Equal("br", (await Get("/v1/models", "br")).Content.Headers.ContentEncoding.SingleOrDefault());
        Assert.Empty((await Get("/v1/auth/me", "br")).Content.Headers.ContentEncoding);
    }

    [Fact]
    public async Task The_api_is_still_where_it_was()
    {
        Assert.Equal(HttpStatusCode.OK, (await Get("/v1/models")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Get("/no-such-file.js")).StatusCode);
    }
}
