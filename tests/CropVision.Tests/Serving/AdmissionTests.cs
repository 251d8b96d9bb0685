using CropVision.Core.Inference;
using CropVision.Serving;
using CropVision.Serving.Batching;
using CropVision.Serving.Registry;
using Microsoft.Extensions.Time.Testing;

namespace CropVision.Tests.Serving;

/// <summary>
/// Admission of the dynamic batcher on a fake clock: a fake model "computes" by moving the clock on, so every estimate
/// and every refusal here is exact arithmetic, never a timing on this machine (compared to 0.001 ms: TimeSpan holds
/// 100 ns ticks).
/// </summary>
[Trait("Category", "Fast")]
public class AdmissionTests
{
    private const int Floats = 4;

    /// <summary>
    /// Slower than anything measured on the 2-core development machine (raw ONNX Runtime 8-12 photos/s, the service over
    /// HTTP 5.4-7.6/s with decoding), so what admits here admits there too.
    /// </summary>
    private static readonly TimeSpan SlowPhoto = TimeSpan.FromMilliseconds(200);

    /// <summary>A model whose batch of k images takes k x perImage of fake time; each batch first waits for a permit.</summary>
    private sealed class TimedModel(FakeTimeProvider time, TimeSpan perImage)
    {
        public SemaphoreSlim Permits { get; } = new(0);
        public List<int> BatchSizes { get; } = [];
        public ModelOutput[] Run(Memory<float> input, int count)
        {
            if (!Permits.Wait(TimeSpan.FromSeconds(30))) throw new TimeoutException("the test never let this batch run");
            var values = input.ToArray();
            lock (BatchSizes) BatchSizes.Add(count);
            time.Advance(perImage * count);
            return [.. Enumerable.Range(0, count).Select(i => new ModelOutput(new Dictionary<string, float[]>(), values[i * Floats], []))];
        }
    }

    private static float[] Tensor(int id) => [id, 0, 0, 0];

    /// <summary>The service's defaults on a CPU (batches of 4, no queue delay, capacity and wait limit from InferenceOptions).</summary>
    private static BatcherSettings CpuDefaults(TimeSpan? maxQueueWait = null)
    {
        var o = new InferenceOptions();
        return new BatcherSettings(o.BatchSizeFor(cuda: false), o.QueueDelayFor(cuda: false), o.QueueCapacity,
            maxQueueWait ?? TimeSpan.FromMilliseconds(o.MaxQueueWaitMilliseconds), o.Workers);
    }

    /// <summary>One photo through the batcher, so it has measured a batch of one.</summary>
    private static async Task Learn(DynamicBatcher batcher, TimedModel model)
    {
        model.Permits.Release();
        await batcher.EnqueueAsync(Tensor(0), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>A batch of 4 computing (held), as at concurrency 8 the moment a full batch has started.</summary>
    private static async Task<List<Task<BatchedResult>>> HoldABatchOfFour(DynamicBatcher batcher, TimedModel model)
    {
        var first = batcher.EnqueueAsync(Tensor(1), CancellationToken.None);          // runs alone, waits for a permit
        await WaitUntil(() => batcher.Depth == 0);
        var four = Enumerable.Range(2, 4).Select(id => batcher.EnqueueAsync(Tensor(id), CancellationToken.None)).ToList();
        model.Permits.Release();                                                      // the first ends; the four go together
        await first.WaitAsync(TimeSpan.FromSeconds(30));
        await WaitUntil(() => batcher.Depth == 0);
        return four;
    }

    [Fact]
    public async Task The_estimate_counts_the_batch_computing_the_batches_waiting_and_the_new_images_own_batch()
    {
        var time = new FakeTimeProvider();
        var model = new TimedModel(time, TimeSpan.FromMilliseconds(100));
        await using var batcher = new DynamicBatcher("test", Floats, model.Run, new BatcherSettings(4, TimeSpan.Zero, 64, TimeSpan.FromMilliseconds(850)), time);
        Assert.Equal(TimeSpan.Zero, batcher.EstimatedWait); // nothing measured yet: nothing to refuse on
        await Learn(batcher, model);
        Assert.Equal(100, batcher.EstimatedWait.TotalMilliseconds, 1e-3); // idle: the new image runs alone
        Assert.Equal(400, batcher.EstimateWait(alsoAhead: 3).TotalMilliseconds, 1e-3); // a batch request's 4th image: one batch of 4

        var running = batcher.EnqueueAsync(Tensor(1), CancellationToken.None);        // a batch of one, computing
        await WaitUntil(() => batcher.Depth == 0);
        var waiting = Enumerable.Range(2, 4).Select(id => batcher.EnqueueAsync(Tensor(id), CancellationToken.None)).ToList();
        // 100 ms left of the batch computing + one full batch of 4 waiting (400) + the new image's batch, which fills
        // while it waits (400): 900 ms, over the 850 ms limit.
        Assert.Equal(900, batcher.EstimatedWait.TotalMilliseconds, 1e-3);
        Assert.Equal(1300, batcher.EstimateWait(alsoAhead: 4).TotalMilliseconds, 1e-3); // 4 more of the same request ahead: one more full batch
        Assert.False(batcher.HasRoomFor(out var retryAfter));
        Assert.Equal(TimeSpan.FromSeconds(1), retryAfter);
        var refused = Assert.Throws<QueueFullException>(() => { _ = batcher.EnqueueAsync(Tensor(6), CancellationToken.None); });
        Assert.Equal(TimeSpan.FromSeconds(1), refused.RetryAfter);

        time.Advance(TimeSpan.FromMilliseconds(60));                                  // the batch computing is 60 ms further
        Assert.Equal(840, batcher.EstimatedWait.TotalMilliseconds, 1e-3);
        Assert.True(batcher.HasRoom);

        model.Permits.Release(3);
        await Task.WhenAll([running, .. waiting]).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal([1, 1, 4], model.BatchSizes);
    }

    [Fact]
    public async Task Concurrency_8_is_admitted_by_the_default_limit_where_the_old_1200_ms_limit_refused_it()
    {
        var time = new FakeTimeProvider();
        var model = new TimedModel(time, SlowPhoto);
        await using var batcher = new DynamicBatcher("test", Floats, model.Run, CpuDefaults(), time);
        await Learn(batcher, model);
        var four = await HoldABatchOfFour(batcher, model);
        var three = Enumerable.Range(6, 3).Select(id => batcher.EnqueueAsync(Tensor(id), CancellationToken.None)).ToList();

        // The eighth client's photo: the batch of 4 computing (800 ms) + its own batch with the three waiting (800 ms).
        Assert.Equal(1600, batcher.EstimatedWait.TotalMilliseconds, 1e-3);
        Assert.True(batcher.EstimatedWait > TimeSpan.FromMilliseconds(1200)); // the old limit would have refused it
        Assert.True(batcher.HasRoom);
        var eighth = batcher.EnqueueAsync(Tensor(9), CancellationToken.None);

        model.Permits.Release(2);
        var answers = await Task.WhenAll([.. four, .. three, eighth]).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.All(answers, a => Assert.True(a.Queue + a.Inference <= CpuDefaults().MaxQueueWait));
    }

    [Theory]
    [InlineData(8)]
    [InlineData(16)]
    public async Task Clients_that_retry_at_once_are_never_refused_at_ordinary_concurrency(int clients)
    {
        // Closed loop: each client sends again the moment it is answered, and at once if refused. Whatever the
        // interleaving, at most `clients` photos are in the service, so the estimate stays under the default limit.
        var time = new FakeTimeProvider();
        var model = new TimedModel(time, SlowPhoto);
        model.Permits.Release(100_000);
        await using var batcher = new DynamicBatcher("test", Floats, model.Run, CpuDefaults(), time);
        int refused = 0, answered = 0;
        var loops = Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            for (int round = 0; round < 25; round++)
            {
                try { await batcher.EnqueueAsync(Tensor(c), CancellationToken.None); Interlocked.Increment(ref answered); }
                catch (QueueFullException) { Interlocked.Increment(ref refused); round--; }
            }
        }));
        await Task.WhenAll(loops).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(0, refused);
        Assert.Equal(clients * 25, answered);
    }

    [Fact]
    public async Task Overload_is_refused_at_the_limit_and_every_accepted_photo_is_answered_within_it()
    {
        var time = new FakeTimeProvider();
        var model = new TimedModel(time, SlowPhoto);
        var settings = CpuDefaults();
        await using var batcher = new DynamicBatcher("test", Floats, model.Run, settings, time);
        await Learn(batcher, model);
        var four = await HoldABatchOfFour(batcher, model);

        // A burst far beyond capacity. With 800 ms per batch of 4: the batch computing (800) + full batches ahead +
        // the photo's own batch (800) stays within 5 s while at most 4 full batches wait: 20 photos, the 21st is refused.
        var accepted = new List<Task<BatchedResult>>();
        QueueFullException? refusal = null;
        for (int i = 0; i < 100 && refusal is null; i++)
        {
            try { accepted.Add(batcher.EnqueueAsync(Tensor(100 + i), CancellationToken.None)); }
            catch (QueueFullException e) { refusal = e; }
        }
        Assert.NotNull(refusal);
        Assert.Equal(20, accepted.Count);
        Assert.True(accepted.Count < settings.QueueCapacity); // the wait limit, not the capacity, refused it
        Assert.Equal(TimeSpan.FromSeconds(1), refusal.RetryAfter); // 5.6 s estimated against 5 s: room within a second

        model.Permits.Release(100);
        var answers = await Task.WhenAll([.. four, .. accepted]).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(24, answers.Length);                                                  // none lost
        Assert.All(answers, a => Assert.True(a.Queue + a.Inference <= settings.MaxQueueWait, $"{(a.Queue + a.Inference).TotalMilliseconds} ms"));
        Assert.True(batcher.HasRoom);
    }

    [Fact]
    public async Task A_batch_running_over_its_measured_time_makes_the_estimate_slower_at_once()
    {
        // Another process takes the cores: the batch computing is already twice as long as measured, so the batches
        // after it are counted twice as long too, before any of them has run slowly.
        var time = new FakeTimeProvider();
        var model = new TimedModel(time, TimeSpan.FromMilliseconds(100));
        await using var batcher = new DynamicBatcher("test", Floats, model.Run, new BatcherSettings(4, TimeSpan.Zero, 64, TimeSpan.FromSeconds(2)), time);
        await Learn(batcher, model);
        var running = batcher.EnqueueAsync(Tensor(1), CancellationToken.None);
        await WaitUntil(() => batcher.Depth == 0);
        var waiting = Enumerable.Range(2, 8).Select(id => batcher.EnqueueAsync(Tensor(id), CancellationToken.None)).ToList();
        Assert.Equal(100 + 400 + 400 + 400, batcher.EstimatedWait.TotalMilliseconds, 1e-3);
        Assert.True(batcher.HasRoom);

        time.Advance(TimeSpan.FromMilliseconds(200)); // the batch of one has taken 200 ms and is still running
        Assert.Equal(2 * (400 + 400 + 400), batcher.EstimatedWait.TotalMilliseconds, 1e-3);
        Assert.False(batcher.HasRoom);

        model.Permits.Release(3);
        await Task.WhenAll([running, .. waiting]).WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Answers_later_than_promised_stretch_the_next_estimates()
    {
        // The model measured 100 ms per image, then (another process took the cores) a batch takes three times that:
        // the requests answered late make admission promise less to the next ones.
        var time = new FakeTimeProvider();
        var slowNow = TimeSpan.FromMilliseconds(100);
        var model = new TimedModel(time, TimeSpan.Zero);
        ModelOutput[] Run(Memory<float> input, int count) { var o = model.Run(input, count); time.Advance(slowNow * count); return o; }
        await using var batcher = new DynamicBatcher("test", Floats, Run, new BatcherSettings(1, TimeSpan.Zero, 64), time);
        await Learn(batcher, model);
        Assert.Equal(100, batcher.EstimatedWait.TotalMilliseconds, 1e-3);

        slowNow = TimeSpan.FromMilliseconds(300);
        model.Permits.Release();
        await batcher.EnqueueAsync(Tensor(1), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)); // promised 100 ms, took 300
        // Costs learn a slowdown halfway at once (100 -> 200 ms), and the 3x overrun (moving average 1.4) stretches that.
        Assert.Equal(200 * 1.4, batcher.EstimatedWait.TotalMilliseconds, 1e-3);
    }

    [Fact]
    public async Task Two_workers_share_the_waiting_batches()
    {
        var time = new FakeTimeProvider();
        var model = new TimedModel(time, TimeSpan.FromMilliseconds(100));
        await using var batcher = new DynamicBatcher("test", Floats, model.Run, new BatcherSettings(1, TimeSpan.Zero, 64, Workers: 2), time);
        await Learn(batcher, model);
        var held = Enumerable.Range(1, 4).Select(id => batcher.EnqueueAsync(Tensor(id), CancellationToken.None)).ToList();
        await WaitUntil(() => batcher.Depth == 2);  // two computing, two waiting
        // Each worker: 100 ms left, then one waiting batch each (200 ms), then the new image on the first free (300 ms).
        Assert.Equal(300, batcher.EstimatedWait.TotalMilliseconds, 1e-3);
        model.Permits.Release(4);
        await Task.WhenAll(held).WaitAsync(TimeSpan.FromSeconds(30));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (int i = 0; i < 1000 && !condition(); i++) await Task.Delay(10);
        Assert.True(condition());
    }
}
