using System.Diagnostics;
using System.Net.Http.Headers;

namespace CropVision.Bench;

/// <summary>A load generator for the service: closed loop at a concurrency, or open loop at a target rate.</summary>
public static class HttpLoad
{
    public sealed record Result(string Mode, double Seconds, int Sent, int Answered, double Throughput,
        double P50, double P90, double P99, double Max, IReadOnlyDictionary<int, int> ByStatus, double RefusedP99, int Unanswered)
    {
        public string Statuses => string.Join(" ", ByStatus.OrderBy(k => k.Key).Select(k => $"{k.Key}:{k.Value}"));
    }

    private sealed record Sample(double Ms, int Status, TimeSpan? RetryAfter = null);

    public static HttpClient Client(string baseUrl, int connections) =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = Math.Max(1, connections), PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };

    private static async Task<Sample> Send(HttpClient client, byte[] image, string crop)
    {
        using var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(image);
        part.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        form.Add(part, "image", "leaf.jpg");
        var sw = Stopwatch.StartNew();
        try
        {
            using var response = await client.PostAsync($"/v1/predict?crop={crop}", form);
            await response.Content.ReadAsByteArrayAsync();
            return new Sample(sw.Elapsed.TotalMilliseconds, (int)response.StatusCode, response.Headers.RetryAfter?.Delta);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return new Sample(sw.Elapsed.TotalMilliseconds, 0); // 0 = no answer (connection error or timeout)
        }
    }

    /// <summary>
    /// C clients, each sending its next request as soon as the last is answered (after the Retry-After a 503 asks for,
    /// as a well-behaved client would), for <paramref name="duration"/>.
    /// </summary>
    public static async Task<Result> ClosedLoop(HttpClient client, IReadOnlyList<byte[]> images, int concurrency, TimeSpan duration, string crop = "coffee")
    {
        var samples = new System.Collections.Concurrent.ConcurrentBag<Sample>();
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, concurrency).Select(async w =>
        {
            for (int i = w; clock.Elapsed < duration; i += concurrency)
            {
                var sample = await Send(client, images[i % images.Count], crop);
                samples.Add(sample);
                if (sample.RetryAfter is { } wait) await Task.Delay(wait);
            }
        });
        await Task.WhenAll(workers);
        return Summarize($"closed loop, concurrency {concurrency}", clock.Elapsed.TotalSeconds, [.. samples], samples.Count);
    }

    /// <summary>Requests at a fixed rate whatever the answers do (arrivals do not wait), for <paramref name="duration"/>.</summary>
    public static async Task<Result> OpenLoop(HttpClient client, IReadOnlyList<byte[]> images, double rate, TimeSpan duration, string crop = "coffee")
    {
        var pending = new List<Task<Sample>>();
        var clock = Stopwatch.StartNew();
        for (int i = 0; clock.Elapsed < duration; i++)
        {
            var due = TimeSpan.FromSeconds(i / rate);
            if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed);
            pending.Add(Send(client, images[i % images.Count], crop));
        }
        var sent = pending.Count;
        await Task.WhenAny(Task.WhenAll(pending), Task.Delay(TimeSpan.FromSeconds(35)));
        var done = pending.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result).ToList();
        var result = Summarize($"open loop, {rate:F1} requests/s", clock.Elapsed.TotalSeconds, done, sent);
        return result with { Unanswered = sent - done.Count(s => s.Status != 0) };
    }

    private static Result Summarize(string mode, double seconds, List<Sample> samples, int sent)
    {
        var ok = samples.Where(s => s.Status == 200).Select(s => s.Ms).Order().ToList();
        var refused = samples.Where(s => s.Status == 503).Select(s => s.Ms).Order().ToList();
        double P(List<double> v, double q) => v.Count == 0 ? double.NaN : v[Math.Min(v.Count - 1, (int)Math.Ceiling(q * v.Count) - 1)];
        return new Result(mode, seconds, sent, samples.Count(s => s.Status != 0), ok.Count / seconds,
            P(ok, 0.5), P(ok, 0.9), P(ok, 0.99), ok.Count == 0 ? double.NaN : ok[^1],
            samples.GroupBy(s => s.Status).ToDictionary(g => g.Key, g => g.Count()), P(refused, 0.99), samples.Count(s => s.Status == 0));
    }
}
