using System.Collections.Concurrent;
using System.Security.Cryptography;
using CropVision.Core.Preprocessing;

namespace CropVision.Training.Features;

public sealed record UnreadableImage(string RelativePath, string Reason);

/// <summary>
/// Reads and preprocesses photos on one thread while the model runs on the caller's thread, so decoding hides behind
/// inference. Unreadable images are collected with their reason instead of stopping the run.
/// </summary>
public static class ImagePipeline
{
    /// <param name="shortcut">Returns a result without preprocessing (e.g. a cache hit), given the file's SHA-256.</param>
    public static (T?[] Results, List<UnreadableImage> Unreadable) Run<T>(
        string root, IReadOnlyList<string> relativePaths, PreprocessingSpec spec,
        Func<string, T?> shortcut, Func<string, float[], T> compute, Action<int>? onProgress, CancellationToken ct) where T : class
    {
        var results = new T?[relativePaths.Count];
        var unreadable = new ConcurrentBag<UnreadableImage>();
        using var queue = new BlockingCollection<(int Index, string Sha, float[] Tensor)>(boundedCapacity: 4);
        int done = 0;
        void Done() => onProgress?.Invoke(Interlocked.Increment(ref done));

        // The producer stops when the consumer fails or the caller cancels, so neither side is left blocked.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var producer = Task.Run(() =>
        {
            try
            {
                for (int i = 0; i < relativePaths.Count && !stop.IsCancellationRequested; i++)
                {
                    var rel = relativePaths[i];
                    try
                    {
                        var bytes = File.ReadAllBytes(Path.Combine(root, rel));
                        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
                        if (shortcut(sha) is { } hit) { results[i] = hit; Done(); continue; }
                        queue.Add((i, sha, ImagePreprocessor.Preprocess(bytes, spec)), stop.Token);
                    }
                    catch (Exception e) when (e is ImageDecodeException or IOException or UnauthorizedAccessException)
                    {
                        unreadable.Add(new(rel, e.Message));
                        Done();
                    }
                }
            }
            finally { queue.CompleteAdding(); }
        }, CancellationToken.None);

        try
        {
            foreach (var (index, sha, tensor) in queue.GetConsumingEnumerable(ct))
            {
                results[index] = compute(sha, tensor);
                Done();
            }
        }
        catch
        {
            stop.Cancel();
            try { producer.Wait(CancellationToken.None); } catch (AggregateException) { } // its error is secondary
            throw;
        }
        producer.GetAwaiter().GetResult(); // a failure of the producer itself surfaces here
        ct.ThrowIfCancellationRequested();
        return (results, [.. unreadable.OrderBy(u => u.RelativePath, StringComparer.Ordinal)]);
    }
}
