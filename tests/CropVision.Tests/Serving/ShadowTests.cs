using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using CropVision.FieldStore.Infrastructure;
using CropVision.Serving.Shadow;
using CropVision.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CropVision.Tests.Serving;

/// <summary>Shadow mode: the candidate runs after the answer is sent, never when the serving queue is busy, and its agreement is recorded.</summary>
[Trait("Category", "Fast")]
public class ShadowTests
{
    /// <summary>A candidate that takes as long as the test wants: it waits for <see cref="Release"/>.</summary>
    private sealed class SlowCandidate : IShadowCandidates
    {
        private readonly SemaphoreSlim _gate = new(0);
        public readonly SemaphoreSlim Started = new(0);
        public int Finished;
        public int Calls;

        public ShadowCandidate? Get(string crop) => new(1, (_, _) =>
        {
            Interlocked.Increment(ref Calls);
            Started.Release();
            if (!_gate.Wait(TimeSpan.FromMinutes(2))) throw new TimeoutException("never released");
            Interlocked.Increment(ref Finished);
            return new ShadowVerdict("rust", "ok", 0.9);
        });

        public string? LoadError(string crop) => null;
        public void Release() => _gate.Release(1000);
    }

    private sealed class ShadowService(IDictionary<string, string?> settings, IShadowCandidates? fake) : ServiceFactory(settings)
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            if (fake is not null) builder.ConfigureTestServices(s => s.AddSingleton(fake));
        }
    }

    private static ShadowService Start(IShadowCandidates? fake, string share = "1")
    {
        var settings = ServiceFactory.Defaults(ServiceFactory.CommittedModels);
        settings["Models:Shadow:coffee"] = "1";
        settings["Models:ShadowShare"] = share;
        return new ShadowService(settings, fake);
    }

    private static async Task<JsonElement> ShadowOf(HttpClient client) =>
        (await client.GetFromJsonAsync<JsonElement>("/v1/models/coffee")).GetProperty("shadow");

    private static async Task<JsonElement> WaitFor(HttpClient client, Func<JsonElement, bool> done)
    {
        var shadow = await ShadowOf(client);
        for (int i = 0; i < 600 && !done(shadow); i++) { await Task.Delay(100); shadow = await ShadowOf(client); }
        return shadow;
    }

    [Fact]
    public async Task A_slow_candidate_never_delays_the_primary_answer()
    {
        var slow = new SlowCandidate();
        await using var service = Start(slow);
        var client = service.CreateClient();
        var photo = ServiceRequests.LeafJpeg(3);

        var first = await client.PostAsync("/v1/predict?crop=coffee", ServiceRequests.Form((photo, "leaf.jpg")));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.True(await slow.Started.WaitAsync(TimeSpan.FromMinutes(1)), "the candidate never started");
        // The candidate is now stuck on the first photo. Farmers keep getting answers: none waits for it.
        for (int i = 0; i < 6; i++)
        {
            var response = await client.PostAsync("/v1/predict?crop=coffee", ServiceRequests.Form((ServiceRequests.LeafJpeg(10 + i), "leaf.jpg")));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(ServiceFactory.NewestCoffeeVersion, body.GetProperty("model").GetProperty("version").GetInt32()); // the serving version answers, never the candidate
            Assert.Equal(0, Volatile.Read(ref slow.Finished));                           // answered while the candidate was still busy
        }
        Assert.Equal(1, Volatile.Read(ref slow.Calls));
        var stuck = await WaitFor(client, s => s.GetProperty("skippedFull").GetInt64() >= 2);
        Assert.True(stuck.GetProperty("skippedFull").GetInt64() >= 2, stuck.ToString()); // a full shadow queue drops photos, not answers

        slow.Release();
        var shadow = await WaitFor(client, s => s.GetProperty("compared").GetInt64() >= 1 + ShadowRunner.QueueCapacity);
        Assert.Equal(1 + ShadowRunner.QueueCapacity, shadow.GetProperty("compared").GetInt64());
        Assert.Equal(1, shadow.GetProperty("version").GetInt32());
        Assert.InRange(shadow.GetProperty("agreement").GetDouble(), 0, 1);
    }

    [Fact]
    public async Task The_candidate_stays_out_while_the_serving_queue_is_busy()
    {
        var slow = new SlowCandidate();
        slow.Release();
        await using var service = Start(slow);
        var client = service.CreateClient();
        service.Services.GetRequiredService<ShadowRunner>().ServingBusy = _ => true;
        for (int i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/predict?crop=coffee", ServiceRequests.Form((ServiceRequests.LeafJpeg(20 + i), "leaf.jpg")))).StatusCode);
        var shadow = await WaitFor(client, s => s.GetProperty("skippedBusy").GetInt64() >= 3);
        Assert.Equal(3, shadow.GetProperty("skippedBusy").GetInt64());
        Assert.Equal(0, Volatile.Read(ref slow.Calls));
    }

    [Fact]
    public async Task A_real_candidate_records_agreement_in_metrics_the_model_info_and_the_store()
    {
        await using var service = Start(fake: null);
        var client = service.CreateClient();
        var photo = ServiceRequests.LeafJpeg(7);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/predict?crop=coffee", ServiceRequests.Form((photo, "leaf.jpg")))).StatusCode);
        var shadow = await WaitFor(client, s => s.GetProperty("compared").GetInt64() + s.GetProperty("failed").GetInt64() >= 1);
        Assert.Equal(1, shadow.GetProperty("compared").GetInt64());
        Assert.Contains($"cropvision_shadow_comparisons_total{{crop=\"coffee\",serving_version=\"{ServiceFactory.NewestCoffeeVersion}\",shadow_version=\"1\"", await client.GetStringAsync("/metrics"));
        await using var scope = service.Services.CreateAsyncScope();
        var row = await scope.ServiceProvider.GetRequiredService<FieldStoreContext>().ShadowAnswers.SingleAsync();
        Assert.Equal((Convert.ToHexStringLower(SHA256.HashData(photo)), ServiceFactory.NewestCoffeeVersion, 1), (row.PhotoSha256, row.ServingVersion, row.ShadowVersion));
        Assert.Equal(row.Agreed, row.ServingLabel == row.ShadowLabel && row.ServingStatus == row.ShadowStatus);
    }
}
