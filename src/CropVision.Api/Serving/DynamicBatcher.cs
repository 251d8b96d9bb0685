using System.Buffers;
using System.Threading.Channels;
using CropVision.Core.Inference;

namespace CropVision.Api.Serving;

/// <summary>One image's answer from the batcher, with where its time went.</summary>
public sealed record BatchedResult(ModelOutput Output, TimeSpan Queue, TimeSpan Inference, int BatchSize);

/// <summary>The queue is full, or a new image would wait too long: the caller should answer 503 with Retry-After.</summary>
public sealed class QueueFullException(TimeSpan retryAfter) : Exception("The model's queue is full.")
{
    /// <summary>When a retry can expect room (whole seconds, at least one), from the batcher's own estimate.</summary>
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>The batcher has been retired by a reload: the caller should enqueue on the current model.</summary>
public sealed class BatcherRetiredException() : Exception("This model version was replaced.");

/// <param name="MaxQueueWait">Refuse new work whose answer would come later than this after it is queued (zero: no such limit).</param>
/// <param name="Workers">Batches computed at the same time on the one session (each with its own batch); 1 on a GPU.</param>
public sealed record BatcherSettings(int MaxBatchSize, TimeSpan MaxQueueDelay, int QueueCapacity, TimeSpan MaxQueueWait = default, int Workers = 1);

/// <summary>
/// Dynamic batching in the manner of Triton: one bounded queue per model; a batch runs when it holds MaxBatchSize
/// images or when its oldest image has waited MaxQueueDelay. A full queue refuses at once. Requests whose client has
/// gone are dropped before they cost compute. One worker runs batches one after another, which is what a CPU wants;
/// while it computes, the next batch fills.
/// Admission looks ahead (<see cref="EstimatedWait"/>): a new image is refused at once when its answer would come later
/// than MaxQueueWait, so accepted requests keep a bounded latency under overload instead of waiting behind a long queue.
/// Tensors may be pooled (ArrayPool): the batcher then returns them after use, whatever happens to the request.
/// </summary>
public sealed class DynamicBatcher : IAsyncDisposable
{
    private sealed record Work(float[] Tensor, bool Pooled, TaskCompletionSource<BatchedResult> Done, long EnqueuedAt, CancellationToken Cancel)
    {
        /// <summary>Seconds the estimate promised this image when it was queued (0: no estimate yet).</summary>
        public double Promised { get; set; }
    }

    private readonly Channel<Work> _queue;
    private readonly Func<Memory<float>, int, ModelOutput[]> _run;
    private readonly BatcherSettings _settings;
    private readonly TimeProvider _time;
    private readonly int _floatsPerImage;
    private readonly string _crop;
    private readonly Task[] _workers;
    private int _depth;
    private long _batches;

    // What admission knows, under _gate: measured compute time per batch size, and each worker's batch in progress.
    private readonly Lock _gate = new();
    private readonly double[] _batchSeconds;             // [k]: moving average of a batch of k images, 0 until one ran
    private readonly (long Started, int Size)[] _computing; // per worker; Size 0 while it has no batch
    private double _overrun = 1;                          // moving average of answer time / promised time, over answered images

    public int Depth => Volatile.Read(ref _depth);
    public long Batches => Interlocked.Read(ref _batches);
    public BatcherSettings Settings => _settings;

    /// <summary>
    /// When an image queued now would have its answer, at the latest, in the batching the workers really do: the rest of
    /// each batch being computed, then the images already waiting in batches of MaxBatchSize, each batch going to the
    /// first worker free, then the new image's own batch. Its own batch is counted full whenever it has to wait (images
    /// that arrive meanwhile join it and make it dearer); it runs alone only on an idle worker. Batch costs are the
    /// measured ones for that size (a size not seen yet: the nearest size seen, in proportion to the images); while a
    /// batch runs over its measured time, every batch after it is counted that much slower; while recent answers came
    /// later than estimated, the whole estimate is stretched by that ratio. Zero until a first batch has run.
    /// </summary>
    public TimeSpan EstimatedWait => EstimateWait(alsoAhead: 0);

    /// <summary>As <see cref="EstimatedWait"/>, with <paramref name="alsoAhead"/> more images ahead (a batch request's own earlier images, not queued yet).</summary>
    public TimeSpan EstimateWait(int alsoAhead)
    {
        // When recent answers came later than promised (the machine's speed changes under other processes, say),
        // every estimate is stretched by as much, until answers come on time again.
        lock (_gate) return TimeSpan.FromSeconds(ModelledWait(alsoAhead) * Math.Max(1, _overrun));
    }

    /// <summary>
    /// The wait in seconds as modelled from the batches, before any stretching for recent overruns. With
    /// <paramref name="ownBatchFull"/>, the image's own batch counts full even on an idle worker: the latest it can be
    /// answered if others join it before the worker wakes, which is what an answer is held to when overruns are measured.
    /// </summary>
    private double ModelledWait(int alsoAhead, bool ownBatchFull = false)
    {
        lock (_gate)
        {
            if (Cost(1) == 0) return 0;
            long now = _time.GetTimestamp();
            var free = new double[_computing.Length]; // seconds until each worker is free
            double slowdown = 1; // a batch running over its measured time: the machine is slower now (other processes, say)
            for (int w = 0; w < free.Length; w++)
            {
                if (_computing[w].Size == 0) continue;
                double expected = Cost(_computing[w].Size), elapsed = _time.GetElapsedTime(_computing[w].Started, now).TotalSeconds;
                free[w] = Math.Max(0, expected - elapsed);
                slowdown = Math.Max(slowdown, elapsed / expected);
            }
            int size = _settings.MaxBatchSize, ahead = Depth + alsoAhead;
            for (int b = 0; b < ahead / size; b++) free[FirstFree(free)] += slowdown * Cost(size);
            int next = FirstFree(free);
            bool waits = free[next] > 0 || _settings.MaxQueueDelay > TimeSpan.Zero;
            double own = slowdown * (waits || ownBatchFull ? Cost(size) : Cost(ahead % size + 1));
            double delay = free[next] > 0 ? 0 : _settings.MaxQueueDelay.TotalSeconds; // an idle worker may wait for company
            return free[next] + delay + own;
        }
    }

    /// <summary>Whether new work would be accepted now; checked before the body is read and before decoding, so refusals cost almost nothing.</summary>
    public bool HasRoom => HasRoomFor(out _);

    /// <summary>As <see cref="HasRoom"/>; when there is none, <paramref name="retryAfter"/> says when a retry can expect some.</summary>
    public bool HasRoomFor(out TimeSpan retryAfter, int alsoAhead = 0)
    {
        retryAfter = TimeSpan.Zero;
        if (Depth + alsoAhead >= _settings.QueueCapacity) { retryAfter = WholeSeconds(Cost(_settings.MaxBatchSize)); return false; }
        if (_settings.MaxQueueWait <= TimeSpan.Zero) return true;
        var wait = EstimateWait(alsoAhead);
        if (wait <= _settings.MaxQueueWait) return true;
        retryAfter = WholeSeconds((wait - _settings.MaxQueueWait).TotalSeconds); // by then the queue has drained enough
        return false;
    }

    /// <summary>
    /// Throws <see cref="QueueFullException"/> (and counts the refusal) when new work would not be accepted now, counting
    /// <paramref name="alsoAhead"/> images of the same request admitted before it and not queued yet.
    /// </summary>
    public void EnsureRoom(int alsoAhead = 0)
    {
        if (HasRoomFor(out var retryAfter, alsoAhead)) return;
        ServingMetrics.QueueFull.WithLabels(_crop).Inc();
        throw new QueueFullException(retryAfter);
    }

    private static TimeSpan WholeSeconds(double seconds) => TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(seconds)));

    private static int FirstFree(double[] free)
    {
        int best = 0;
        for (int w = 1; w < free.Length; w++) if (free[w] < free[best]) best = w;
        return best;
    }

    /// <summary>Seconds a batch of <paramref name="k"/> images takes, from the batches run so far (caller holds _gate).</summary>
    private double Cost(int k)
    {
        if (_batchSeconds[k] > 0) return _batchSeconds[k];
        for (int d = 1; d < _batchSeconds.Length; d++)
        {
            if (k - d >= 1 && _batchSeconds[k - d] > 0) return _batchSeconds[k - d] * k / (k - d);
            if (k + d < _batchSeconds.Length && _batchSeconds[k + d] > 0) return _batchSeconds[k + d] * k / (k + d);
        }
        return 0;
    }

    public DynamicBatcher(string crop, int floatsPerImage, Func<Memory<float>, int, ModelOutput[]> run, BatcherSettings settings, TimeProvider? time = null)
    {
        if (settings.MaxBatchSize < 1 || settings.QueueCapacity < 1 || settings.Workers < 1) throw new ArgumentException("Batch size, queue capacity and workers must be at least 1.");
        (_crop, _floatsPerImage, _run, _settings, _time) = (crop, floatsPerImage, run, settings, time ?? TimeProvider.System);
        _batchSeconds = new double[settings.MaxBatchSize + 1];
        _computing = new (long, int)[settings.Workers];
        _queue = Channel.CreateBounded<Work>(new BoundedChannelOptions(settings.QueueCapacity) { SingleReader = settings.Workers == 1, FullMode = BoundedChannelFullMode.Wait });
        _workers = [.. Enumerable.Range(0, settings.Workers).Select(StartWorker)];
    }

    /// <summary>
    /// Queues one preprocessed image (its first FloatsPerImage values). Throws <see cref="QueueFullException"/> at once
    /// when there is no room. With <paramref name="admitted"/> (the caller checked <see cref="EnsureRoom"/> before it
    /// decoded), only a full queue refuses: a request that has paid for its decoding is not turned away for the wait.
    /// With <paramref name="pooled"/>, the batcher owns the array once this returns a task and
    /// gives it back to <see cref="ArrayPool{T}.Shared"/>; when this throws, the caller still owns it.
    /// </summary>
    public Task<BatchedResult> EnqueueAsync(float[] tensor, CancellationToken cancel, bool pooled = false, bool admitted = false)
    {
        if (tensor.Length < _floatsPerImage) throw new ArgumentException($"Expected {_floatsPerImage} floats, got {tensor.Length}.", nameof(tensor));
        if (_retired) throw new BatcherRetiredException();
        var done = new TaskCompletionSource<BatchedResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        // Checking and counting happen under one lock, so requests admitted at the same moment see each other; the
        // image's clock starts there too, at the moment of its promise (a thread held up before the lock would
        // otherwise count time the promise never saw as an overrun).
        var retryAfter = TimeSpan.Zero;
        bool room;
        Work work;
        lock (_gate)
        {
            work = new Work(tensor, pooled, done, _time.GetTimestamp(), cancel);
            room = admitted ? Depth < _settings.QueueCapacity : HasRoomFor(out retryAfter);
            if (room) work.Promised = ModelledWait(alsoAhead: 0, ownBatchFull: true);
            if (room) Interlocked.Increment(ref _depth);
        }
        if (!room || !_queue.Writer.TryWrite(work))
        {
            if (room) Interlocked.Decrement(ref _depth);
            if (_queue.Reader.Completion.IsCompleted || _retired) throw new BatcherRetiredException();
            ServingMetrics.QueueFull.WithLabels(_crop).Inc();
            throw new QueueFullException(retryAfter > TimeSpan.Zero ? retryAfter : TimeSpan.FromSeconds(1));
        }
        ServingMetrics.QueueDepth.WithLabels(_crop).Set(Depth);
        // A client that disconnects leaves: its task ends now and the worker skips its image.
        if (cancel.CanBeCanceled) cancel.Register(() => done.TrySetCanceled(cancel));
        return done.Task;
    }

    private volatile bool _retired;

    /// <summary>
    /// Each worker is a thread of its own, not a thread-pool thread: a batch blocks its thread for the whole model call
    /// (hundreds of ms on a CPU), and on a 2-core machine the pool starts with two threads, so a worker there would
    /// leave HTTP, decoding and even the refusals of overload one thread to share until the pool grows.
    /// </summary>
    private Task StartWorker(int worker)
    {
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try { RunWorker(worker); finished.SetResult(); }
            catch (Exception e) { finished.SetException(e); }
        }) { IsBackground = true, Name = $"batcher {_crop} {worker}" };
        thread.Start();
        return finished.Task;
    }

    private static bool Wait(ChannelReader<Work> reader, CancellationToken timeout = default) =>
        reader.WaitToReadAsync(timeout).AsTask().GetAwaiter().GetResult(); // blocks this worker's own thread only

    private void RunWorker(int worker)
    {
        var batch = new List<Work>(_settings.MaxBatchSize);
        var reader = _queue.Reader;
        while (Wait(reader))
        {
            batch.Clear();
            int taken = 0; // read from the queue; they count as waiting until their batch starts
            long deadline = 0;
            while (batch.Count < _settings.MaxBatchSize)
            {
                if (reader.TryRead(out var work))
                {
                    taken++;
                    if (work.Done.Task.IsCompleted) { Release(work); continue; } // cancelled while waiting
                    if (batch.Count == 0) deadline = work.EnqueuedAt + (long)(_settings.MaxQueueDelay.TotalSeconds * _time.TimestampFrequency);
                    batch.Add(work);
                    continue;
                }
                if (batch.Count == 0) break;
                var remaining = _time.GetElapsedTime(_time.GetTimestamp(), deadline);
                if (remaining <= TimeSpan.Zero) break;
                // Wait for another image or for the oldest one's deadline, whichever comes first.
                using var timeout = new CancellationTokenSource(remaining, _time);
                try
                {
                    if (!Wait(reader, timeout.Token)) break;
                }
                catch (OperationCanceledException) { break; }
            }
            RunBatch(batch, taken, worker);
        }
    }

    private void RunBatch(List<Work> batch, int taken, int worker)
    {
        foreach (var w in batch.Where(w => w.Done.Task.IsCompleted)) Release(w);
        batch.RemoveAll(w => w.Done.Task.IsCompleted);
        long started = _time.GetTimestamp();
        // The images leave the queue and become the worker's batch in one step, so admission never misses them.
        lock (_gate)
        {
            Interlocked.Add(ref _depth, -taken);
            if (batch.Count > 0) _computing[worker] = (started, batch.Count);
        }
        ServingMetrics.QueueDepth.WithLabels(_crop).Set(Depth);
        if (batch.Count == 0) return;
        int n = _floatsPerImage;
        // One image runs straight from its own tensor; several are laid end to end in a pooled buffer (no large-heap churn).
        float[]? joined = batch.Count == 1 ? null : ArrayPool<float>.Shared.Rent(batch.Count * n);
        if (joined is not null) for (int i = 0; i < batch.Count; i++) batch[i].Tensor.AsSpan(0, n).CopyTo(joined.AsSpan(i * n, n));
        try
        {
            var outputs = _run((joined ?? batch[0].Tensor).AsMemory(0, batch.Count * n), batch.Count);
            var compute = _time.GetElapsedTime(started);
            Interlocked.Increment(ref _batches);
            lock (_gate)
            {
                // Quick to learn the model got slower (admission must not promise what it cannot keep), slow to believe it got faster.
                ref double seen = ref _batchSeconds[batch.Count];
                double weight = compute.TotalSeconds > seen ? 0.5 : 0.2;
                seen = seen == 0 ? compute.TotalSeconds : (1 - weight) * seen + weight * compute.TotalSeconds;
            }
            ServingMetrics.InferenceSeconds.WithLabels(_crop).Observe(compute.TotalSeconds);
            ServingMetrics.BatchSize.WithLabels(_crop).Observe(batch.Count);
            for (int i = 0; i < batch.Count; i++)
            {
                var queued = _time.GetElapsedTime(batch[i].EnqueuedAt, started);
                ServingMetrics.QueueSeconds.WithLabels(_crop).Observe(queued.TotalSeconds);
                if (batch[i].Promised > 0) lock (_gate) _overrun = 0.8 * _overrun + 0.2 * ((queued + compute).TotalSeconds / batch[i].Promised);
                batch[i].Done.TrySetResult(new BatchedResult(outputs[i], queued, compute, batch.Count));
            }
        }
        catch (Exception e)
        {
            foreach (var w in batch) w.Done.TrySetException(e);
        }
        finally
        {
            lock (_gate) _computing[worker] = default;
            if (joined is not null) ArrayPool<float>.Shared.Return(joined);
            foreach (var w in batch) Release(w);
        }
    }

    private static void Release(Work w)
    {
        if (w.Pooled) ArrayPool<float>.Shared.Return(w.Tensor);
    }

    /// <summary>Stops taking work, finishes what is queued, then returns.</summary>
    public async ValueTask DisposeAsync()
    {
        _retired = true;
        _queue.Writer.TryComplete();
        await Task.WhenAll(_workers).ConfigureAwait(false);
    }
}
