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

        var producer = Task.Run(() =>
        {
            try
            {
                for (int i = 0; i < relativePaths.Count && !ct.IsCancellationRequested; i++)
                {
                    var rel = relativePaths[i];
                    try
                    {
                        var bytes = File.ReadAllBytes(Path.Combine(root, rel));
                        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
                        if (shortcut(sha) is { } hit) { results[i] = hit; Done(); continue; }
                        queue.Add((i, sha, ImagePreprocessor.Preprocess(bytes, spec)), ct);
                    }
                    catch (Exception e) when (e is ImageDecodeException or IOException or UnauthorizedAccessException)
                    {
                        unreadable.Add(new(rel, e.Message));
                        Done();
                    }
                }
            }
            finally { queue.CompleteAdding(); }
        }, ct);

        try
        {
            foreach (var (index, sha, tensor) in queue.GetConsumingEnumerable(ct))
            {
                results[index] = compute(sha, tensor);
                Done();
            }
        }
        finally { producer.Wait(CancellationToken.None); }
        producer.GetAwaiter().GetResult();
        return (results, [.. unreadable.OrderBy(u => u.RelativePath, StringComparer.Ordinal)]);
    }
}
