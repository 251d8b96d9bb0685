using System.Net;
using System.Net.Http.Json;
using CropVision.Tests.Support;

namespace CropVision.Tests.Api;

/// <summary>The admin API key is an authentication scheme accepted only where an endpoint allows it (reloading a model).</summary>
[Trait("Category", "Fast")]
public class AdminApiKeyTests(CommittedModelService service) : IClassFixture<CommittedModelService>
{
    private readonly HttpClient _client = service.CreateClient();

    private static HttpRequestMessage WithKey(HttpMethod method, string path, string key) =>
        new(method, path) { Headers = { { "X-Api-Key", key } } };

    [Fact]
    public async Task The_key_reloads_a_model_without_an_anti_forgery_token()
    {
        var response = await _client.SendAsync(WithKey(HttpMethod.Post, "/v1/models/coffee/reload", ServiceFactory.AdminKey));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task The_key_is_no_admin_account()
    {
        // Account administration needs an admin account: the key alone is refused, with a problem saying so.
        var response = await _client.SendAsync(WithKey(HttpMethod.Get, "/v1/accounts", ServiceFactory.AdminKey));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var create = WithKey(HttpMethod.Post, "/v1/accounts", ServiceFactory.AdminKey);
        create.Content = JsonContent.Create(new { userName = "by-key", password = "long-enough-1", team = "north" });
        Assert.Equal(HttpStatusCode.Forbidden, (await _client.SendAsync(create)).StatusCode);
    }

    [Fact]
    public async Task A_wrong_key_is_refused_everywhere()
    {
        Assert.Equal(HttpStatusCode.Forbidden, (await _client.SendAsync(WithKey(HttpMethod.Post, "/v1/models/coffee/reload", "nope"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _client.SendAsync(WithKey(HttpMethod.Get, "/v1/surveys", "nope"))).StatusCode);
    }
}
