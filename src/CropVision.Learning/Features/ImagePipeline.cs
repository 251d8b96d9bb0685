using System.Collections.Concurrent;
using System.Security.Cryptography;
using CropVision.Core.Preprocessing;

namespace CropVision.Learning.Features;

public sealed record UnreadableImage(string RelativePath, string Reason);

/// <summary>
/// Reads and preprocesses photos on one thread while the model runs on the caller's thread, so decoding hides behind
/// inference. Unreadable images are collected with their reason instead of stopping the run.
/// </summary>
public static class ImagePipeline
{
    /// <param name="shortcut">Returns a result without preprocessing (e.g. a cache hit), given the item's key and framing.</param>
    /// <param name="variant">
    /// Optional: for item i with file SHA-256 sha, its key and the bytes to preprocess instead of the file's (an augmented
    /// copy, made only when the shortcut misses). Without it the key is the file's SHA-256 and the bytes are the file's.
    /// </param>
    public static (T?[] Results, List<UnreadableImage> Unreadable) Run<T>(
        string root, IReadOnlyList<string> relativePaths, PreprocessingSpec spec,
        Func<string, Framing, T?> shortcut, Func<string, float[], Framing, T> compute, Action<int>? onProgress, CancellationToken ct,
        Func<int, string, (string Key, Func<byte[], byte[]>? Make)>? variant = null) where T : class
    {
        var results = new T?[relativePaths.Count];
        var unreadable = new ConcurrentBag<UnreadableImage>();
        using var queue = new BlockingCollection<(int Index, string Sha, float[] Tensor, Framing Framing)>(boundedCapacity: 4);
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
                        var (key, make) = variant?.Invoke(i, sha) ?? (sha, null);
                        if (make is null && shortcut(key, FramingOf(bytes, spec)) is { } hit) { results[i] = hit; Done(); continue; }
                        // A variant's framing is only known once it is made; a cached variant reports Wide (training does not use it).
                        if (make is not null && shortcut(key, Framing.Wide) is { } made) { results[i] = made; Done(); continue; }
                        var tensor = ImagePreprocessor.Preprocess(make is null ? bytes : make(bytes), spec, out var framing);
                        queue.Add((i, key, tensor, framing), stop.Token);
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
            foreach (var (index, key, tensor, framing) in queue.GetConsumingEnumerable(ct))
            {
                results[index] = compute(key, tensor, framing);
                Done();
            }
        }
        catch
        {
            stop.Cancel();
            try
            {
                producer.Wait(CancellationToken.None);
            }
            catch (AggregateException) // its error is secondary
            {
            }
            throw;
        }
        producer.GetAwaiter().GetResult(); // a failure of the producer itself surfaces here
        ct.ThrowIfCancellationRequested();
        return (results, [.. unreadable.OrderBy(u => u.RelativePath, StringComparer.Ordinal)]);
    }

    /// <summary>The framing the preprocessing will give this photo (from its header, or its pixels where the spec frames near-square photos by content).</summary>
    public static Framing FramingOf(byte[] bytes, PreprocessingSpec spec) => ImagePreprocessor.FramingOf(bytes, spec);
}
