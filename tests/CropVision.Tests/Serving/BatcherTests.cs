using CropVision.Core.Inference;
using CropVision.Serving.Batching;
using CropVision.Serving.Registry;
using Microsoft.Extensions.Time.Testing;

namespace CropVision.Tests.Serving;

/// <summary>Dynamic batching with a controllable clock: no test here depends on how fast the machine is.</summary>
[Trait("Category", "Fast")]
public class BatcherTests
{
    private const int Floats = 4;

    /// <summary>A fake model: each row's output distance echoes the first number of its input, so answers can be matched to requests.</summary>
    private sealed class EchoModel
    {
        public List<int> BatchSizes { get; } = [];
        public ManualResetEventSlim Gate { get; } = new(true);
        public ModelOutput[] Run(Memory<float> input, int count)
        {
            Gate.Wait(TimeSpan.FromSeconds(30));
            var values = input.ToArray();
            lock (BatchSizes) BatchSizes.Add(count);
            return [.. Enumerable.Range(0, count).Select(i => new ModelOutput(new Dictionary<string, float[]>(), values[i * Floats], []))];
        }
    }

    private static float[] Tensor(int id) => [id, 0, 0, 0];

    /// <summary>
    /// Moves the fake clock on by <paramref name="step"/> until <paramref name="work"/> is done (30 s of real time at most).
    /// The worker, on a thread of its own, reads the clock and then starts its batch timer; one Advance that falls
    /// between the two would leave the timer waiting for a time that never comes. Moving on again is harmless.
    /// </summary>
    private static async Task AdvanceUntilDone(FakeTimeProvider time, TimeSpan step, Task work)
    {
        var patience = System.Diagnostics.Stopwatch.StartNew();
        while (!work.IsCompleted && patience.Elapsed < TimeSpan.FromSeconds(30)) { time.Advance(step); await Task.Delay(10); }
    }

    [Fact]
    public async Task Concurrent_requests_share_model_calls_and_each_gets_its_own_answer()
    {
        var model = new EchoModel();
        var time = new FakeTimeProvider();
        await using var batcher = new DynamicBatcher("test", Floats, model.Run, new BatcherSettings(8, TimeSpan.FromSeconds(1), 64), time);
        model.Gate.Reset(); // hold the worker so all requests are queued before the first batch runs
        var tasks = Enumerable.Range(1, 20).Select(id => batcher.EnqueueAsync(Tensor(id), CancellationToken.None)).ToList();
        model.Gate.Set();
        await AdvanceUntilDone(time, TimeSpan.FromSeconds(1), Task.WhenAll(tasks)); // lets a partial last batch go
        var results = await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(Enumerable.Range(1, 20).Select(i => (float)i), results.Select(r => r.Output.Distance)); // own answer, in order
        Assert.Equal(20, model.BatchSizes.Sum());                    // none lost, none answered twice
        Assert.True(model.BatchSizes.Count < 20, $"{model.BatchSizes.Count} model calls for 20 requests");
        Assert.All(model.BatchSizes, b => Assert.InRange(b, 1, 8));
    }

    [Fact]
    public async Task A_partial_batch_waits_for_the_oldest_requests_deadline()
    {
        var model = new EchoModel();
        var time = new FakeTimeProvider();
        await using var batcher = new DynamicBatcher("test", Floats, model.Run, new BatcherSettings(8, TimeSpan.FromMilliseconds(50), 64), time);
        var tasks = Enumerable.Range(1, 3).Select(id => batcher.EnqueueAsync(Tensor(id), CancellationToken.None)).ToList();

        await Task.Delay(200); // real time passes, the fake clock does not: nothing may run yet
        Assert.Empty(model.BatchSizes);
        Assert.All(tasks, t => Assert.False(t.IsCompleted));

        time.Advance(TimeSpan.FromMilliseconds(50));
        var results = await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal([3], model.BatchSizes);
        Assert.All(results, r => Assert.Equal(3, r.BatchSize));
        Assert.All(results, r => Assert.Equal(TimeSpan.FromMilliseconds(50), r.Queue));
    }

    [Fact]
    public async Task A_full_batch_runs_without_waiting_for_the_deadline()
    {
        var model = new EchoModel();
        await using var batcher = new DynamicBatcher("test", Floats, model.Run, new BatcherSettings(4, TimeSpan.FromHours(1), 64), new FakeTimeProvider());
        var results = await Task.WhenAll(Enumerable.Range(1, 4).Select(id => batcher.EnqueueAsync(Tensor(id), CancellationToken.None))).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal([4], model.BatchSizes);
    }

    [Fact]
    public async Task A_full_queue_refuses_at_once()
    {
        var model = new EchoModel();
        await using var batcher = new DynamicBatcher("test", Floats, model.Run, new BatcherSettings(1, TimeSpan.Zero, 2), new FakeTimeProvider());
        model.Gate.Reset();
        var first = batcher.EnqueueAsync(Tensor(1), CancellationToken.None);   // taken by the worker, which blocks
        await WaitUntil(() => batcher.Depth == 0);
        var queued = new[] { batcher.EnqueueAsync(Tensor(2), CancellationToken.None), batcher.EnqueueAsync(Tensor(3), CancellationToken.None) };
        Assert.Throws<QueueFullException>(() => { _ = batcher.EnqueueAsync(Tensor(4), CancellationToken.None); });
        model.Gate.Set();
        await Task.WhenAll([first, .. queued]).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(3, model.BatchSizes.Sum());
    }

    [Fact]
    public async Task Two_workers_compute_two_batches_at_once()
    {
        var model = new EchoModel();
        await using var batcher = new DynamicBatcher("test", Floats, model.Run, new BatcherSettings(1, TimeSpan.Zero, 64, Workers: 2), new FakeTimeProvider());
        model.Gate.Reset();
        var tasks = Enumerable.Range(1, 3).Select(id => batcher.EnqueueAsync(Tensor(id), CancellationToken.None)).ToList();
        await WaitUntil(() => batcher.Depth == 1); // both workers hold an image while the gate is shut
        model.Gate.Set();
        var results = await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal([1f, 2f, 3f], results.Select(r => r.Output.Distance));
        Assert.Equal(3, model.BatchSizes.Sum());
    }

    [Fact]
    public async Task A_client_that_disconnects_leaves_the_queue()
    {
        var model = new EchoModel();
        var time = new FakeTimeProvider();
        await using var batcher = new DynamicBatcher("test", Floats, model.Run, new BatcherSettings(8, TimeSpan.FromSeconds(1), 64), time);
        using var gone = new CancellationTokenSource();
        var stays = batcher.EnqueueAsync(Tensor(1), CancellationToken.None);
        var leaves = batcher.EnqueueAsync(Tensor(2), gone.Token);
        gone.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leaves);
        await AdvanceUntilDone(time, TimeSpan.FromSeconds(1), stays);
        var result = await stays.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1f, result.Output.Distance);
        Assert.Equal([1], model.BatchSizes); // the departed request cost no compute
    }

    [Fact]
    public async Task A_retired_batcher_finishes_queued_work_and_refuses_new_work()
    {
        var model = new EchoModel();
        var batcher = new DynamicBatcher("test", Floats, model.Run, new BatcherSettings(8, TimeSpan.Zero, 64), new FakeTimeProvider());
        var queued = batcher.EnqueueAsync(Tensor(5), CancellationToken.None);
        await batcher.DisposeAsync();
        Assert.Equal(5f, (await queued).Output.Distance);
        Assert.Throws<BatcherRetiredException>(() => { _ = batcher.EnqueueAsync(Tensor(6), CancellationToken.None); });
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (int i = 0; i < 300 && !condition(); i++) await Task.Delay(10);
        Assert.True(condition());
    }
}
