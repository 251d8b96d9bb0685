using System.Buffers;
using System.Diagnostics;
using System.Threading.Channels;
using CropVision.Core.Inference;

namespace CropVision.Serving.Batching;

/// <summary>
/// Dynamic batching in the manner of Triton: one bounded queue per model; a batch runs when it holds MaxBatchSize
/// images or when its oldest image has waited MaxQueueDelay. A full queue refuses at once. Requests whose client has
/// gone are dropped before they cost compute. One worker runs batches one after another, which is what a CPU wants;
/// while it computes, the next batch fills.
/// Admission looks ahead (<see cref="AdmissionEstimator"/>, kept apart from this queue and worker loop): a new image is refused at once when its answer would come later
/// than MaxQueueWait, so accepted requests keep a bounded latency under overload instead of waiting behind a long queue.
/// Tensors may be pooled (ArrayPool): the batcher then returns them after use, whatever happens to the request.
/// Traces (<see cref="ServingTelemetry"/>): each image's <c>queue wait</c> under the span that queued it, and one
/// <c>inference batch</c> span per model call, parented under its oldest request and linked to all of them.
/// </summary>
public sealed class DynamicBatcher : IAsyncDisposable
{
    private sealed record Work(float[] Tensor, bool Pooled, TaskCompletionSource<BatchedResult> Done, long EnqueuedAt, CancellationToken Cancel)
    {
        /// <summary>The span that queued this image (default when no tracer listens): its queue wait and inference go under it.</summary>
        public ActivityContext Caller { get; init; }

        /// <summary>Seconds the estimate promised this image when it was queued (0: no estimate yet).</summary>
        public double Promised { get; init; }
    }

    private readonly Channel<Work> _queue;
    private readonly Func<Memory<float>, int, ModelOutput[]> _run;
    private readonly BatcherSettings _settings;
    private readonly TimeProvider _time;
    private readonly AdmissionEstimator _admission;
    private readonly int _floatsPerImage;
    private readonly string _crop;
    private readonly KeyValuePair<string, object?>[] _spanTags;
    private readonly Task[] _workers;
    private long _batches;

    public int Depth => _admission.Depth;
    public long Batches => Interlocked.Read(ref _batches);
    public BatcherSettings Settings => _settings;

    /// <summary>When an image queued now would have its answer, at the latest (see <see cref="AdmissionEstimator.EstimateWait"/>). Zero until a first batch has run.</summary>
    public TimeSpan EstimatedWait => EstimateWait(alsoAhead: 0);

    /// <summary>As <see cref="EstimatedWait"/>, with <paramref name="alsoAhead"/> more images ahead (a batch request's own earlier images, not queued yet).</summary>
    public TimeSpan EstimateWait(int alsoAhead) => _admission.EstimateWait(alsoAhead);

    /// <summary>Whether new work would be accepted now; checked before the body is read and before decoding, so refusals cost almost nothing.</summary>
    public bool HasRoom => HasRoomFor(out _);

    /// <summary>As <see cref="HasRoom"/>; when there is none, <paramref name="retryAfter"/> says when a retry can expect some.</summary>
    public bool HasRoomFor(out TimeSpan retryAfter, int alsoAhead = 0) => _admission.HasRoomFor(out retryAfter, alsoAhead);

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

    /// <param name="spanTags">Attributes of every <c>inference batch</c> span besides the crop and size (the served version, the provider).</param>
    public DynamicBatcher(string crop, int floatsPerImage, Func<Memory<float>, int, ModelOutput[]> run, BatcherSettings settings, TimeProvider? time = null,
        IEnumerable<KeyValuePair<string, object?>>? spanTags = null)
    {
        if (settings.MaxBatchSize < 1 || settings.QueueCapacity < 1 || settings.Workers < 1) throw new ArgumentException("Batch size, queue capacity and workers must be at least 1.");
        (_crop, _floatsPerImage, _run, _settings, _time) = (crop, floatsPerImage, run, settings, time ?? TimeProvider.System);
        _spanTags = [new(ServingTelemetry.Crop, crop), .. spanTags ?? []];
        _admission = new AdmissionEstimator(settings, _time);
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
        // Checking and counting happen in one step, so requests admitted at the same moment see each other.
        var promised = _admission.TryAdmit(admitted, out var retryAfter, out long admittedAt);
        var caller = ServingTelemetry.Source.HasListeners() && Activity.Current is { } current ? current.Context : default;
        var work = new Work(tensor, pooled, done, admittedAt, cancel) { Promised = promised ?? 0, Caller = caller };
        if (promised is null || !_queue.Writer.TryWrite(work))
        {
            if (promised is not null) _admission.Withdraw();
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
        })
        { IsBackground = true, Name = $"batcher {_crop} {worker}" };
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
                // The clock may pass the deadline between reading it and arming the timer (the timer would then wait a
                // second 'remaining'): look again once it is armed.
                if (_time.GetTimestamp() >= deadline) break;
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
        _admission.BatchStarted(worker, started, taken, batch.Count);
        ServingMetrics.QueueDepth.WithLabels(_crop).Set(Depth);
        if (batch.Count == 0) return;
        var span = ServingTelemetry.Source.HasListeners() ? StartBatchSpan(batch, started) : null;
        int n = _floatsPerImage;
        // One image runs straight from its own tensor; several are laid end to end in a pooled buffer (no large-heap churn).
        float[]? joined = batch.Count == 1 ? null : ArrayPool<float>.Shared.Rent(batch.Count * n);
        if (joined is not null) for (int i = 0; i < batch.Count; i++) batch[i].Tensor.AsSpan(0, n).CopyTo(joined.AsSpan(i * n, n));
        try
        {
            var outputs = _run((joined ?? batch[0].Tensor).AsMemory(0, batch.Count * n), batch.Count);
            var compute = _time.GetElapsedTime(started);
            Interlocked.Increment(ref _batches);
            _admission.BatchMeasured(batch.Count, compute);
            ServingMetrics.InferenceSeconds.WithLabels(_crop).Observe(compute.TotalSeconds);
            ServingMetrics.BatchSize.WithLabels(_crop).Observe(batch.Count);
            if (span is not null) EndBatchSpan(span, batch);
            for (int i = 0; i < batch.Count; i++)
            {
                var queued = _time.GetElapsedTime(batch[i].EnqueuedAt, started);
                ServingMetrics.QueueSeconds.WithLabels(_crop).Observe(queued.TotalSeconds);
                _admission.Answered(queued + compute, batch[i].Promised);
                batch[i].Done.TrySetResult(new BatchedResult(outputs[i], queued, compute, batch.Count));
            }
        }
        catch (Exception e)
        {
            span.Failed(e);
            if (span is not null) EndBatchSpan(span, batch);
            foreach (var w in batch) w.Done.TrySetException(e);
        }
        finally
        {
            _admission.BatchEnded(worker);
            if (joined is not null) ArrayPool<float>.Shared.Return(joined);
            foreach (var w in batch) Release(w);
        }
    }

    /// <summary>
    /// Each traced image's <c>queue wait</c> (enqueue to now, under the span that queued it), then the batch's span:
    /// parented under the oldest traced request, so a one-photo request's trace holds its inference directly, and linked
    /// to every traced request it answers (the OpenTelemetry way to show one operation serving many).
    /// </summary>
    private Activity? StartBatchSpan(List<Work> batch, long started)
    {
        var now = DateTimeOffset.UtcNow;
        foreach (var w in batch)
        {
            if (w.Caller == default) continue;
            var wait = ServingTelemetry.Source.StartActivity(ServingTelemetry.QueueWait, ActivityKind.Internal, w.Caller,
                startTime: now - _time.GetElapsedTime(w.EnqueuedAt, started));
            if (wait is null) continue;
            wait.SetTag(ServingTelemetry.Crop, _crop);
            wait.SetEndTime(now.UtcDateTime);
            wait.Stop();
        }
        Activity.Current = null; // this worker's own thread: the batch span has no ambient parent
        if (batch.Find(w => w.Caller != default)?.Caller is not { } parent) return null; // no traced request: no trace of its own either
        var links = batch.Where(w => w.Caller != default).Select(w => w.Caller).Distinct().Select(c => new ActivityLink(c)).ToList();
        var span = ServingTelemetry.Source.StartActivity(ServingTelemetry.InferenceBatch, ActivityKind.Internal, parent, _spanTags, links, now);
        span?.SetTag(ServingTelemetry.BatchSize, batch.Count);
        return span;
    }

    /// <summary>Ends the batch span and gives each other traced request an <c>inference</c> span of the same interval, linked to it.</summary>
    private void EndBatchSpan(Activity span, List<Work> batch)
    {
        span.Stop();
        for (int i = 0; i < batch.Count; i++)
        {
            var w = batch[i];
            // Not for the parent (its trace holds the batch span itself), and once per request (a batch request's images share it).
            if (w.Caller == default || w.Caller.SpanId == span.ParentSpanId || batch.FindIndex(x => x.Caller == w.Caller) < i) continue;
            using var seen = ServingTelemetry.Source.StartActivity(ServingTelemetry.Inference, ActivityKind.Internal, w.Caller,
                [new(ServingTelemetry.Crop, _crop), new(ServingTelemetry.BatchSize, batch.Count)], [new ActivityLink(span.Context)], span.StartTimeUtc);
            seen?.SetEndTime(span.StartTimeUtc + span.Duration);
        }
        Activity.Current = null;
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
