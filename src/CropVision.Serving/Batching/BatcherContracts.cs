using CropVision.Core.Inference;

namespace CropVision.Serving.Batching;

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
