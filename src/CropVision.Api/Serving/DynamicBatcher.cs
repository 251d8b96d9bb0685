using System.Buffers;
using System.Threading.Channels;
using CropVision.Core.Inference;

namespace CropVision.Api.Serving;

/// <summary>One image's answer from the batcher, with where its time went.</summary>
public sealed record BatchedResult(ModelOutput Output, TimeSpan Queue, TimeSpan Inference, int BatchSize);

/// <summary>The queue is full: the caller should answer 503 with Retry-After.</summary>
public sealed class QueueFullException() : Exception("The model's queue is full.");

/// <summary>The batcher has been retired by a reload: the caller should enqueue on the current model.</summary>
public sealed class BatcherRetiredException() : Exception("This model version was replaced.");

/// <param name="MaxQueueWait">Refuse new work when the queue ahead of it would take longer than this to clear (zero: no such limit).</param>
/// <param name="Workers">Batches computed at the same time on the one session (each with its own batch); 1 on a GPU.</param>
public sealed record BatcherSettings(int MaxBatchSize, TimeSpan MaxQueueDelay, int QueueCapacity, TimeSpan MaxQueueWait = default, int Workers = 1);

/// <summary>
/// Dynamic batching in the manner of Triton: one bounded queue per model; a batch runs when it holds MaxBatchSize
/// images or when its oldest image has waited MaxQueueDelay. A full queue refuses at once. Requests whose client has
/// gone are dropped before they cost compute. One worker runs batches one after another, which is what a CPU wants;
/// while it computes, the next batch fills. Admission also looks ahead: when the images already waiting would take
/// longer than MaxQueueWait to compute (measured per image as batches run), new work is refused at once, so accepted
/// requests keep a bounded latency under overload instead of waiting behind a long queue.
/// Tensors may be pooled (ArrayPool): the batcher then returns them after use, whatever happens to the request.
/// </summary>
public sealed class DynamicBatcher : IAsyncDisposable
{
    private sealed record Work(float[] Tensor, bool Pooled, TaskCompletionSource<BatchedResult> Done, long EnqueuedAt, CancellationToken Cancel);

    private readonly Channel<Work> _queue;
    private readonly Func<Memory<float>, int, ModelOutput[]> _run;
    private readonly BatcherSettings _settings;
    private readonly TimeProvider _time;
    private readonly int _floatsPerImage;
    private readonly string _crop;
    private readonly Task[] _workers;
    private int _depth;

    private double _secondsPerImage; // moving average of compute time per image, 0 until the first batch
    private int _running;             // images in the batches being computed
    private long _batches;

    public int Depth => Volatile.Read(ref _depth);
    public long Batches => Interlocked.Read(ref _batches);
    public BatcherSettings Settings => _settings;

    /// <summary>How long the work already accepted would take to compute, from measured speed.</summary>
    public TimeSpan EstimatedWait => TimeSpan.FromSeconds((Depth + Volatile.Read(ref _running)) * Volatile.Read(ref _secondsPerImage) / _settings.Workers);

    /// <summary>Whether new work would be accepted now; checked before decoding, so refusals cost almost nothing.</summary>
    public bool HasRoom => Depth < _settings.QueueCapacity
        && (_settings.MaxQueueWait <= TimeSpan.Zero || EstimatedWait + TimeSpan.FromSeconds(Volatile.Read(ref _secondsPerImage) / _settings.Workers) <= _settings.MaxQueueWait);

    public DynamicBatcher(string crop, int floatsPerImage, Func<Memory<float>, int, ModelOutput[]> run, BatcherSettings settings, TimeProvider? time = null)
    {
        if (settings.MaxBatchSize < 1 || settings.QueueCapacity < 1 || settings.Workers < 1) throw new ArgumentException("Batch size, queue capacity and workers must be at least 1.");
        (_crop, _floatsPerImage, _run, _settings, _time) = (crop, floatsPerImage, run, settings, time ?? TimeProvider.System);
        _queue = Channel.CreateBounded<Work>(new BoundedChannelOptions(settings.QueueCapacity) { SingleReader = settings.Workers == 1, FullMode = BoundedChannelFullMode.Wait });
        _workers = [.. Enumerable.Range(0, settings.Workers).Select(_ => Task.Run(WorkAsync))];
    }

    /// <summary>
    /// Queues one preprocessed image (its first FloatsPerImage values). Throws <see cref="QueueFullException"/> at once
    /// when there is no room. With <paramref name="pooled"/>, the batcher owns the array once this returns a task and
    /// gives it back to <see cref="ArrayPool{T}.Shared"/>; when this throws, the caller still owns it.
    /// </summary>
    public Task<BatchedResult> EnqueueAsync(float[] tensor, CancellationToken cancel, bool pooled = false)
    {
        if (tensor.Length < _floatsPerImage) throw new ArgumentException($"Expected {_floatsPerImage} floats, got {tensor.Length}.", nameof(tensor));
        if (_retired) throw new BatcherRetiredException();
        var done = new TaskCompletionSource<BatchedResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var work = new Work(tensor, pooled, done, _time.GetTimestamp(), cancel);
        if (!HasRoom || !_queue.Writer.TryWrite(work))
        {
            if (_queue.Reader.Completion.IsCompleted || _retired) throw new BatcherRetiredException();
            ServingMetrics.QueueFull.WithLabels(_crop).Inc();
            throw new QueueFullException();
        }
        ServingMetrics.QueueDepth.WithLabels(_crop).Set(Interlocked.Increment(ref _depth));
        // A client that disconnects leaves: its task ends now and the worker skips its image.
        if (cancel.CanBeCanceled) cancel.Register(() => done.TrySetCanceled(cancel));
        return done.Task;
    }

    private volatile bool _retired;

    private async Task WorkAsync()
    {
        var batch = new List<Work>(_settings.MaxBatchSize);
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            long deadline = 0;
            while (batch.Count < _settings.MaxBatchSize)
            {
                if (reader.TryRead(out var work))
                {
                    ServingMetrics.QueueDepth.WithLabels(_crop).Set(Interlocked.Decrement(ref _depth));
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
                    if (!await reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false)) break;
                }
                catch (OperationCanceledException) { break; }
            }
            if (batch.Count > 0) RunBatch(batch);
        }
    }

    private void RunBatch(List<Work> batch)
    {
        foreach (var w in batch.Where(w => w.Done.Task.IsCompleted)) Release(w);
        batch.RemoveAll(w => w.Done.Task.IsCompleted);
        if (batch.Count == 0) return;
        long started = _time.GetTimestamp();
        int n = _floatsPerImage;
        // One image runs straight from its own tensor; several are laid end to end in a pooled buffer (no large-heap churn).
        float[]? joined = batch.Count == 1 ? null : ArrayPool<float>.Shared.Rent(batch.Count * n);
        if (joined is not null) for (int i = 0; i < batch.Count; i++) batch[i].Tensor.AsSpan(0, n).CopyTo(joined.AsSpan(i * n, n));
        Interlocked.Add(ref _running, batch.Count);
        try
        {
            var outputs = _run((joined ?? batch[0].Tensor).AsMemory(0, batch.Count * n), batch.Count);
            var compute = _time.GetElapsedTime(started);
            Interlocked.Increment(ref _batches);
            double perImage = compute.TotalSeconds / batch.Count;
            Volatile.Write(ref _secondsPerImage, _secondsPerImage == 0 ? perImage : 0.8 * _secondsPerImage + 0.2 * perImage);
            ServingMetrics.InferenceSeconds.WithLabels(_crop).Observe(compute.TotalSeconds);
            ServingMetrics.BatchSize.WithLabels(_crop).Observe(batch.Count);
            for (int i = 0; i < batch.Count; i++)
            {
                var queued = _time.GetElapsedTime(batch[i].EnqueuedAt, started);
                ServingMetrics.QueueSeconds.WithLabels(_crop).Observe(queued.TotalSeconds);
                batch[i].Done.TrySetResult(new BatchedResult(outputs[i], queued, compute, batch.Count));
            }
        }
        catch (Exception e)
        {
            foreach (var w in batch) w.Done.TrySetException(e);
        }
        finally
        {
            Interlocked.Add(ref _running, -batch.Count);
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
