using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CropVision.Tests.Support;

namespace CropVision.Tests.Api;

/// <summary>Service behaviours that need their own settings or their own model folder.</summary>
[Trait("Category", "Fast")]
public class ServiceConfigurationTests
{
    [Fact]
    public void Device_cuda_refuses_to_start_without_cuda_and_says_why()
    {
        var settings = ServiceFactory.Defaults(ServiceFactory.CommittedModels);
        settings["Inference:Device"] = "cuda";
        using var factory = new ServiceFactory(settings);
        var e = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
        Assert.Contains("Inference:Device is 'cuda'", Flatten(e));
    }

    [Fact]
    public async Task Device_cpu_uses_the_cpu_without_a_fallback_reason()
    {
        var settings = ServiceFactory.Defaults(ServiceFactory.CommittedModels);
        settings["Inference:Device"] = "cpu";
        using var factory = new ServiceFactory(settings);
        var provider = (await factory.CreateClient().GetFromJsonAsync<JsonElement>("/v1/models")).GetProperty("executionProvider");
        Assert.Equal("CPU", provider.GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, provider.GetProperty("fallbackReason").ValueKind);
    }

    [Fact]
    public async Task Upload_over_the_limit_is_413()
    {
        var settings = ServiceFactory.Defaults(ServiceFactory.CommittedModels);
        settings["Limits:MaxUploadBytes"] = "20000";
        using var factory = new ServiceFactory(settings);
        var big = new byte[50_000];
        big[0] = 0xFF; big[1] = 0xD8; big[2] = 0xFF;
        var response = await factory.CreateClient().PostAsync("/v1/predict?crop=coffee", ServiceRequests.Form((big, "big.jpg")));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_corrupt_new_version_is_refused_and_the_old_one_keeps_serving()
    {
        using var tmp = new TempFolder();
        using var factory = CoffeeService(tmp);
        var client = factory.CreateClient();

        Directory.CreateDirectory(tmp.Sub("models", "coffee", "2"));
        File.Copy(tmp.Sub("models", "coffee", "1", "manifest.json"), tmp.Sub("models", "coffee", "2", "manifest.json"));
        File.WriteAllText(tmp.Sub("models", "coffee", "2", "head.onnx"), "not an onnx file");
        var response = await client.SendAsync(Reload());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("Still serving version 1", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());

        var ok = await client.PostAsync("/v1/predict?crop=coffee", ServiceRequests.Form((ServiceRequests.LeafJpeg(), "leaf.jpg")));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(1, (await ok.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("model").GetProperty("version").GetInt32());
        var listed = await client.GetFromJsonAsync<JsonElement>("/v1/models/coffee");
        Assert.Contains("head.onnx", listed.GetProperty("loadError").GetString());
    }

    [Fact]
    public async Task Reload_under_load_fails_no_request()
    {
        using var tmp = new TempFolder();
        // This test is about reloads, not admission: every request must be let in, however slow the machine.
        using var factory = CoffeeService(tmp, ("Inference:MaxQueueWaitMilliseconds", "0"));
        var client = factory.CreateClient();
        var image = ServiceRequests.LeafJpeg(8);

        var load = Enumerable.Range(0, 24).Select(async i =>
        {
            await Task.Delay(i * 15);
            return await client.PostAsync("/v1/predict?crop=coffee", ServiceRequests.Form((image, "leaf.jpg")));
        }).ToList();
        // Meanwhile a new version arrives and is swapped in, then reloaded again.
        CopyCommittedCoffee(tmp.Sub("models", "coffee", "2"), version: 2);
        var first = await client.SendAsync(Reload());
        var second = await client.SendAsync(Reload());
        var responses = await Task.WhenAll(load);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var versions = await Task.WhenAll(responses.Select(async r => (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("model").GetProperty("version").GetInt32()));
        Assert.All(versions, v => Assert.InRange(v, 1, 2));
        Assert.Equal(2, (await client.GetFromJsonAsync<JsonElement>("/v1/models/coffee")).GetProperty("servingVersion").GetInt32());
    }

    [Fact]
    public async Task A_full_queue_answers_503_with_retry_after_and_loses_nothing()
    {
        var settings = ServiceFactory.Defaults(ServiceFactory.CommittedModels);
        settings["Inference:QueueCapacity"] = "1";
        settings["Inference:MaxBatchSize"] = "1";
        using var factory = new ServiceFactory(settings);
        var client = factory.CreateClient();
        var image = ServiceRequests.LeafJpeg(9);
        var responses = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => client.PostAsync("/v1/predict?crop=coffee", ServiceRequests.Form((image, "leaf.jpg")))));
        var busy = responses.Where(r => r.StatusCode == HttpStatusCode.ServiceUnavailable).ToList();
        Assert.NotEmpty(busy);
        Assert.All(busy, r => Assert.Equal(TimeSpan.FromSeconds(1), r.Headers.RetryAfter?.Delta));
        foreach (var r in busy) Assert.Equal(1, (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("retryAfterSeconds").GetInt32());
        Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.ServiceUnavailable }));
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_batchs_refused_images_each_carry_the_retry_hint()
    {
        var settings = ServiceFactory.Defaults(ServiceFactory.CommittedModels);
        settings["Inference:QueueCapacity"] = "1";
        settings["Inference:MaxBatchSize"] = "1";
        using var factory = new ServiceFactory(settings);
        // 16 images queued at once on a queue of one: most find it full and get their own 503 entry.
        var images = Enumerable.Range(0, 16).Select(i => (ServiceRequests.LeafJpeg(20 + i), $"leaf{i}.jpg")).ToArray();
        var response = await factory.CreateClient().PostAsync("/v1/predict/batch?crop=coffee", ServiceRequests.Form(images));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var results = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(16, results.Count);
        var busy = results.Where(r => r.GetProperty("error").ValueKind == JsonValueKind.Object).Select(r => r.GetProperty("error")).ToList();
        Assert.NotEmpty(busy);
        Assert.All(busy, e =>
        {
            Assert.Equal(503, e.GetProperty("status").GetInt32());
            Assert.True(e.GetProperty("retryAfterSeconds").GetInt32() >= 1);
        });
        Assert.Equal(16 - busy.Count, results.Count(r => r.GetProperty("result").ValueKind == JsonValueKind.Object));
    }

    [Fact]
    public async Task A_pinned_version_serves_instead_of_the_newest()
    {
        using var tmp = new TempFolder();
        CopyCommittedCoffee(tmp.Sub("models", "coffee", "1"));
        CopyCommittedCoffee(tmp.Sub("models", "coffee", "2"), version: 2);
        var settings = ServiceFactory.Defaults(tmp.Sub("models"));
        using (var newest = new ServiceFactory(settings))
            Assert.Equal(2, (await newest.CreateClient().GetFromJsonAsync<JsonElement>("/v1/models/coffee")).GetProperty("servingVersion").GetInt32());
        settings["Models:Pinned:coffee"] = "1";
        using var pinned = new ServiceFactory(settings);
        var coffee = await pinned.CreateClient().GetFromJsonAsync<JsonElement>("/v1/models/coffee");
        Assert.Equal(1, coffee.GetProperty("servingVersion").GetInt32());
        Assert.Equal([1, 2], coffee.GetProperty("availableVersions").EnumerateArray().Select(v => v.GetInt32()));
    }

    [Fact]
    public async Task A_new_version_copied_into_the_models_folder_is_picked_up()
    {
        using var tmp = new TempFolder();
        using var factory = CoffeeService(tmp, ("Models:WatchForChanges", "true"));
        var client = factory.CreateClient();
        Assert.Equal(1, (await client.GetFromJsonAsync<JsonElement>("/v1/models/coffee")).GetProperty("servingVersion").GetInt32());

        CopyCommittedCoffee(tmp.Sub("models", "coffee", "2"), version: 2);
        int serving = 1;
        for (var waited = TimeSpan.Zero; serving != 2 && waited < TimeSpan.FromSeconds(60); waited += TimeSpan.FromMilliseconds(250))
        {
            await Task.Delay(250);
            serving = (await client.GetFromJsonAsync<JsonElement>("/v1/models/coffee")).GetProperty("servingVersion").GetInt32();
        }
        Assert.Equal(2, serving);
    }

    /// <summary>A service over a temporary models folder holding a copy of the committed coffee/1.</summary>
    private static ServiceFactory CoffeeService(TempFolder tmp, params (string Key, string Value)[] overrides)
    {
        CopyCommittedCoffee(tmp.Sub("models", "coffee", "1"));
        var settings = ServiceFactory.Defaults(tmp.Sub("models"));
        foreach (var (key, value) in overrides) settings[key] = value;
        return new ServiceFactory(settings);
    }

    private static HttpRequestMessage Reload() =>
        new(HttpMethod.Post, "/v1/models/coffee/reload") { Headers = { { "X-Api-Key", ServiceFactory.AdminKey } } };

    private static void CopyCommittedCoffee(string to, int version = 1)
    {
        Directory.CreateDirectory(to);
        var from = Path.Combine(ServiceFactory.CommittedModels, "coffee", "1");
        foreach (var f in new[] { "head.onnx", "manifest.json" }) File.Copy(Path.Combine(from, f), Path.Combine(to, f));
        if (version != 1)
        {
            var path = Path.Combine(to, "manifest.json");
            File.WriteAllText(path, File.ReadAllText(path).Replace("\"version\": 1,", $"\"version\": {version},"));
        }
    }

    private static string Flatten(Exception e) => e.InnerException is null ? e.Message : e.Message + " | " + Flatten(e.InnerException);
}
