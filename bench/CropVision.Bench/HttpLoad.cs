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
        /// <summary>503 answers per second of the run.</summary>
        public double RefusalsPerSecond => ByStatus.GetValueOrDefault(503) / Seconds;
        /// <summary>Every request: when it was sent (UTC), how long it took, its status (0 = no answer).</summary>
        public IReadOnlyList<Request> Requests { get; init; } = [];

        /// <summary>
        /// Where the slowest accepted requests' time went (those at or above p99), by the service's own timings: decode,
        /// queue and compute; "other" is the rest (HTTP, reading the body, waiting for a thread or a core).
        /// </summary>
        public string SlowestSplit
        {
            get
            {
                var slow = Requests.Where(r => r.Status == 200 && r.Ms >= P99 && r.Server is not null).ToList();
                if (slow.Count == 0) return "n/a";
                double total = slow.Average(r => r.Ms), decode = slow.Average(r => r.Server!.DecodeMs), queue = slow.Average(r => r.Server!.QueueMs), compute = slow.Average(r => r.Server!.InferenceMs);
                return string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"{total:F0} ms = decode {decode:F0} + queue {queue:F0} + compute {compute:F0} + other {total - decode - queue - compute:F0}");
            }
        }
    }

    /// <summary>One request; for an answered prediction also the service's own timings (decode, queue, compute ms).</summary>
    public sealed record Request(DateTime SentAt, double Ms, int Status, Timings? Server = null);

    public sealed record Timings(double DecodeMs, double QueueMs, double InferenceMs, int BatchSize);

    private sealed record Sample(double Ms, int Status, TimeSpan? RetryAfter = null)
    {
        public DateTime SentAt { get; init; }
        public Timings? Server { get; init; }
    }

    private static Timings? ServerTimings(byte[] body)
    {
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(body);
            if (!json.RootElement.TryGetProperty("timings", out var t)) return null;
            return new Timings(t.GetProperty("decodeMs").GetDouble(), t.GetProperty("queueMs").GetDouble(), t.GetProperty("inferenceMs").GetDouble(), t.GetProperty("batchSize").GetInt32());
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException) { return null; }
    }

    public static HttpClient Client(string baseUrl, int connections) =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = Math.Max(1, connections), PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };

    private static async Task<Sample> Send(HttpClient client, byte[] image, string crop)
    {
        using var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(image);
        part.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        form.Add(part, "image", "leaf.jpg");
        var sentAt = DateTime.UtcNow;
        var sw = Stopwatch.StartNew();
        try
        {
            using var response = await client.PostAsync($"/v1/predict?crop={crop}", form);
            var body = await response.Content.ReadAsByteArrayAsync();
            double ms = sw.Elapsed.TotalMilliseconds;
            return new Sample(ms, (int)response.StatusCode, response.Headers.RetryAfter?.Delta)
            { SentAt = sentAt, Server = response.IsSuccessStatusCode ? ServerTimings(body) : null };
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return new Sample(sw.Elapsed.TotalMilliseconds, 0) { SentAt = sentAt }; // 0 = no answer (connection error or timeout)
        }
    }

    /// <summary>
    /// C clients, each sending its next request as soon as the last is answered (after the Retry-After a 503 asks for,
    /// as a well-behaved client would), for <paramref name="duration"/>. <paramref name="impatient"/> clients ignore
    /// Retry-After and send again at once when refused.
    /// </summary>
    public static async Task<Result> ClosedLoop(HttpClient client, IReadOnlyList<byte[]> images, int concurrency, TimeSpan duration, string crop = "coffee", bool impatient = false)
    {
        var samples = new System.Collections.Concurrent.ConcurrentBag<Sample>();
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, concurrency).Select(async w =>
        {
            for (int i = w; clock.Elapsed < duration; i += concurrency)
            {
                var sample = await Send(client, images[i % images.Count], crop);
                samples.Add(sample);
                if (!impatient && sample.RetryAfter is { } wait) await Task.Delay(wait);
            }
        });
        await Task.WhenAll(workers);
        return Summarize($"closed loop, concurrency {concurrency}{(impatient ? ", impatient (resend at once on 503)" : "")}", clock.Elapsed.TotalSeconds, [.. samples], samples.Count);
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
            samples.GroupBy(s => s.Status).ToDictionary(g => g.Key, g => g.Count()), P(refused, 0.99), samples.Count(s => s.Status == 0))
        { Requests = [.. samples.Select(s => new Request(s.SentAt, s.Ms, s.Status, s.Server)).OrderBy(r => r.SentAt)] };
    }
}
