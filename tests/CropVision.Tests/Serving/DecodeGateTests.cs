using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CropVision.Api.Predictions;
using CropVision.Core.Preprocessing;
using CropVision.Tests.Support;

namespace CropVision.Tests.Serving;

/// <summary>Limits:MaxConcurrentDecodes: no more uploads decoded at once than the gate allows, and nothing is lost waiting.</summary>
[Trait("Category", "Fast")]
public class DecodeGateTests
{
    private static DecodeGate Gate(int slots) => new(slots);

    [Fact]
    public async Task A_decode_beyond_the_slots_waits_until_one_is_given_back()
    {
        var gate = Gate(2);
        var first = await gate.EnterAsync(CancellationToken.None);
        var second = await gate.EnterAsync(CancellationToken.None);
        var third = gate.EnterAsync(CancellationToken.None);
        Assert.False(third.IsCompleted);
        Assert.Equal(2, gate.InUse);

        first.Dispose();
        first.Dispose(); // giving a slot back twice frees it once
        (await third.WaitAsync(TimeSpan.FromSeconds(30))).Dispose();
        second.Dispose();
        Assert.Equal(0, gate.InUse);
    }

    [Fact]
    public async Task A_waiting_decode_leaves_when_its_client_goes()
    {
        var gate = Gate(1);
        using var held = await gate.EnterAsync(CancellationToken.None);
        using var gone = new CancellationTokenSource();
        var waiting = gate.EnterAsync(gone.Token);
        gone.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal(1, gate.InUse);
    }

    [Fact]
    public void Zero_means_one_per_core_and_a_negative_count_is_refused()
    {
        Assert.Equal(Environment.ProcessorCount, Gate(0).Slots);
        Assert.Throws<ArgumentOutOfRangeException>(() => Gate(-1));
    }

    [Fact]
    public async Task With_one_decode_at_a_time_a_batch_and_parallel_photos_are_all_answered()
    {
        var settings = ServiceFactory.Defaults(ServiceFactory.CommittedModels);
        settings["Limits:MaxConcurrentDecodes"] = "1";
        using var factory = new ServiceFactory(settings);
        var client = factory.CreateClient();
        var singles = Enumerable.Range(0, 4).Select(i => client.PostAsync("/v1/predict?crop=coffee", ServiceRequests.Form((ServiceRequests.LeafJpeg(i), $"{i}.jpg"))));
        var batch = client.PostAsync("/v1/predict/batch?crop=coffee", ServiceRequests.Form((ServiceRequests.LeafJpeg(5), "a.jpg"), (ServiceRequests.LeafJpeg(6), "b.jpg")));
        var responses = await Task.WhenAll([.. singles, batch]);
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var results = (await responses[^1].Content.ReadFromJsonAsync<JsonElement>()).GetProperty("results").EnumerateArray();
        Assert.All(results, r => Assert.Equal(JsonValueKind.Object, r.GetProperty("result").ValueKind));
    }
}
