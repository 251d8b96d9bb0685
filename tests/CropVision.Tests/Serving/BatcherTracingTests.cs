using System.Collections.Concurrent;
using System.Diagnostics;
using CropVision.Core.Inference;
using CropVision.Serving;
using CropVision.Serving.Batching;
using Microsoft.Extensions.Time.Testing;

namespace CropVision.Tests.Serving;

/// <summary>
/// The batcher's spans when one model call answers several traced requests: each request's queue wait under it, one
/// inference batch span parented under the oldest request and linked to all, and an inference span for each other
/// request, linked to the batch. A plain <see cref="ActivityListener"/>: the batcher needs no OpenTelemetry SDK.
/// </summary>
[Trait("Category", "Fast")]
public sealed class BatcherTracingTests : IDisposable
{
    private const int Floats = 4;
    private static readonly ActivitySource Requests = new("CropVision.Tests.Requests");
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ActivityListener _listener;

    public BatcherTracingTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s == Requests || s.Name == ServingTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public void Dispose() => _listener.Dispose();

    private static ModelOutput[] Run(Memory<float> input, int count) =>
        [.. Enumerable.Range(0, count).Select(_ => new ModelOutput(new Dictionary<string, float[]>(), 0, []))];

    [Fact]
    public async Task One_batch_for_three_requests_is_parented_under_the_oldest_and_linked_to_all()
    {
        var time = new FakeTimeProvider();
        await using var batcher = new DynamicBatcher("test", Floats, Run, new BatcherSettings(8, TimeSpan.FromMilliseconds(50), 64), time,
            [new(ServingTelemetry.ModelVersion, 7)]);
        var requests = new List<ActivityContext>();
        var tasks = new List<Task<BatchedResult>>();
        for (int i = 0; i < 3; i++)
        {
            using var request = Requests.StartActivity("request", ActivityKind.Server, parentContext: default)!;
            requests.Add(request.Context);
            tasks.Add(batcher.EnqueueAsync(new float[Floats], CancellationToken.None));
        }
        time.Advance(TimeSpan.FromMilliseconds(50)); // the oldest request's deadline: one batch of three
        Assert.All(await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(30)), r => Assert.Equal(3, r.BatchSize));

        var traces = requests.Select(r => r.TraceId).ToHashSet();
        var spans = _stopped.Where(a => a.Source.Name == ServingTelemetry.SourceName && traces.Contains(a.TraceId)).ToList();

        var batch = Assert.Single(spans, a => a.DisplayName == ServingTelemetry.InferenceBatch);
        Assert.Equal((requests[0].TraceId, requests[0].SpanId), (batch.TraceId, batch.ParentSpanId));
        Assert.Equal(requests, batch.Links.Select(l => l.Context));
        Assert.Equal((3, 7, "test"), (batch.GetTagItem(ServingTelemetry.BatchSize), batch.GetTagItem(ServingTelemetry.ModelVersion), batch.GetTagItem(ServingTelemetry.Crop)));

        foreach (var (request, i) in requests.Select((r, i) => (r, i)))
        {
            var wait = Assert.Single(spans, a => a.DisplayName == ServingTelemetry.QueueWait && a.ParentSpanId == request.SpanId);
            Assert.Equal(request.TraceId, wait.TraceId);
            Assert.Equal(TimeSpan.FromMilliseconds(50), wait.Duration); // the batcher's own clock: what the response's queueMs says
            var seen = spans.Where(a => a.DisplayName == ServingTelemetry.Inference && a.ParentSpanId == request.SpanId).ToList();
            if (i == 0)
            {
                Assert.Empty(seen); // its trace holds the batch span itself
                continue;
            }
            var inference = Assert.Single(seen);
            Assert.Equal(batch.Context, Assert.Single(inference.Links).Context);
            Assert.Equal((batch.StartTimeUtc, batch.Duration, 3), (inference.StartTimeUtc, inference.Duration, inference.GetTagItem(ServingTelemetry.BatchSize)));
        }
    }

    [Fact]
    public async Task Untraced_work_makes_no_spans()
    {
        await using var batcher = new DynamicBatcher("untraced", Floats, Run, new BatcherSettings(1, TimeSpan.Zero, 64));
        Activity.Current = null;
        await batcher.EnqueueAsync(new float[Floats], CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        // No request span to put a queue wait under, and no batch span as a trace of its own (warm-up, shadow, untraced callers).
        Assert.DoesNotContain(_stopped, a => a.GetTagItem(ServingTelemetry.Crop) as string == "untraced");
    }
}
