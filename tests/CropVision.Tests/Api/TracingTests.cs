using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Net;
using CropVision.FieldStore;
using CropVision.Serving;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using Xunit.Abstractions;
using static CropVision.Tests.Support.ServiceRequests;

namespace CropVision.Tests.Api;

/// <summary>
/// The service with OpenTelemetry's in-memory exporter added to the tracing that <c>AddTelemetry</c> wires, and each
/// response naming its server span's trace id (<see cref="TraceHeader"/>), so a test finds its own trace among the
/// spans of other test classes' services (listeners are process-wide).
/// </summary>
public sealed class TracedService() : ServiceFactory(Defaults(CommittedModels))
{
    public const string TraceHeader = "X-Test-Trace-Id";
    public SpanList Spans { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            services.AddOpenTelemetry().WithTracing(t => t.AddInMemoryExporter(Spans));
            services.AddSingleton<IStartupFilter>(new TraceIdHeader());
        });
    }

    private sealed class TraceIdHeader : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((http, nextMiddleware) =>
            {
                if (Activity.Current is { } server) http.Response.Headers[TraceHeader] = server.TraceId.ToHexString();
                return nextMiddleware(http);
            });
            next(app);
        };
    }
}

/// <summary>The exporter's list, written by the request and batcher threads and read by the test.</summary>
public sealed class SpanList : Collection<Activity>
{
    private readonly Lock _lock = new();

    protected override void InsertItem(int index, Activity item)
    {
        lock (_lock) base.InsertItem(index, item);
    }

    /// <summary>The spans of one trace, once its server span has ended (it ends after the response is sent, and after every span under it).</summary>
    public async Task<List<Activity>> TraceAsync(string traceId)
    {
        var until = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            List<Activity> spans;
            lock (_lock) spans = [.. this.Where(a => a.TraceId.ToHexString() == traceId)];
            if (spans.Any(a => a.Kind == ActivityKind.Server) || DateTime.UtcNow > until) return spans;
            await Task.Delay(50);
        }
    }
}

/// <summary>OpenTelemetry traces: one predict request as a trace with our spans under its server span; store writes; W3C context from the caller.</summary>
[Trait("Category", "Fast")]
public class TracingTests(TracedService service, ITestOutputHelper output) : IClassFixture<TracedService>
{
    private readonly HttpClient _client = service.CreateClient();

    /// <summary>The trace as a tree in the test's output (dotnet test --logger "console;verbosity=normal").</summary>
    private void Print(List<Activity> spans)
    {
        void Walk(ActivitySpanId parent, string indent)
        {
            foreach (var s in spans.Where(a => a.ParentSpanId == parent).OrderBy(a => a.StartTimeUtc))
            {
                var tags = string.Join(", ", s.TagObjects.Where(t => t.Key.StartsWith("cropvision.", StringComparison.Ordinal) || t.Key.StartsWith("db.", StringComparison.Ordinal))
                    .Select(t => $"{t.Key}={t.Value}"));
                output.WriteLine($"{indent}{s.DisplayName} [{s.Source.Name}] {s.Duration.TotalMilliseconds:0.0} ms {tags}{(s.Links.Any() ? $" links={s.Links.Count()}" : "")}");
                Walk(s.SpanId, indent + "  ");
            }
        }
        var roots = spans.Where(a => !spans.Any(p => p.SpanId == a.ParentSpanId)).Select(a => a.ParentSpanId).Distinct();
        foreach (var root in roots) Walk(root, "");
    }

    private static string TraceOf(HttpResponseMessage response) => Assert.Single(response.Headers.GetValues(TracedService.TraceHeader));

    private static Activity One(List<Activity> spans, string source, string name) =>
        Assert.Single(spans, a => a.Source.Name == source && a.DisplayName == name);

    /// <summary>Whether <paramref name="span"/> descends from <paramref name="ancestor"/> within <paramref name="spans"/>.</summary>
    private static bool Under(Activity span, Activity ancestor, List<Activity> spans)
    {
        for (var parent = span.ParentSpanId; parent != default;)
        {
            if (parent == ancestor.SpanId) return true;
            parent = spans.FirstOrDefault(a => a.SpanId == parent)?.ParentSpanId ?? default;
        }
        return false;
    }

    [Fact]
    public async Task One_predict_is_one_trace_with_decode_queue_wait_and_its_inference_batch()
    {
        var response = await _client.PostAsync("/v1/predict?crop=coffee", Form((LeafJpeg(21), "leaf.jpg")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var spans = await service.Spans.TraceAsync(TraceOf(response));
        Print(spans);

        var server = Assert.Single(spans, a => a.Kind == ActivityKind.Server);
        Assert.Equal("POST", server.GetTagItem("http.request.method"));
        Assert.StartsWith("/v1/predict", server.GetTagItem("http.route") as string);
        Assert.Equal(200, server.GetTagItem("http.response.status_code"));
        Assert.Equal(default, server.ParentSpanId); // no traceparent sent: the trace starts here

        var decode = One(spans, ServingTelemetry.SourceName, ServingTelemetry.Decode);
        var wait = One(spans, ServingTelemetry.SourceName, ServingTelemetry.QueueWait);
        var batch = One(spans, ServingTelemetry.SourceName, ServingTelemetry.InferenceBatch);
        Assert.All([decode, wait, batch], s => Assert.True(Under(s, server, spans), $"{s.DisplayName} is not under the server span"));
        Assert.Equal("coffee", decode.GetTagItem(ServingTelemetry.Crop));
        Assert.NotNull(decode.GetTagItem(ServingTelemetry.DecodeWaitMs));

        // The batch: its size and model, parented under this request and linked to it (the fan-in of a bigger batch).
        Assert.Equal(1, batch.GetTagItem(ServingTelemetry.BatchSize));
        Assert.Equal(ServiceFactory.NewestCoffeeVersion, batch.GetTagItem(ServingTelemetry.ModelVersion));
        Assert.Equal(service.Services.GetRequiredService<CropVision.Serving.Registry.ModelRegistry>().Provider.Name, batch.GetTagItem(ServingTelemetry.ExecutionProvider));
        Assert.Contains(batch.Links, l => l.Context.TraceId == server.TraceId);

        // In order: decode, then the queue wait, then the model call, each within the request.
        Assert.True(decode.StartTimeUtc + decode.Duration <= wait.StartTimeUtc + TimeSpan.FromMilliseconds(1));
        Assert.Equal(wait.StartTimeUtc + wait.Duration, batch.StartTimeUtc);
        Assert.True(batch.StartTimeUtc + batch.Duration <= server.StartTimeUtc + server.Duration);
    }

    [Fact]
    public async Task Feedback_shows_its_store_write_with_the_photo_and_the_database_commands_under_it()
    {
        var response = await _client.PostAsync("/v1/feedback", FeedbackTests.Form(LeafJpeg(22)));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var spans = await service.Spans.TraceAsync(TraceOf(response));
        Print(spans);

        var server = Assert.Single(spans, a => a.Kind == ActivityKind.Server);
        var write = One(spans, FieldStoreTelemetry.SourceName, FieldStoreTelemetry.StoreWrite);
        Assert.Equal("add feedback", write.GetTagItem(FieldStoreTelemetry.Operation));
        Assert.True(Under(write, server, spans));
        var reencode = One(spans, FieldStoreTelemetry.SourceName, FieldStoreTelemetry.PhotoReencode);
        var photo = One(spans, FieldStoreTelemetry.SourceName, FieldStoreTelemetry.PhotoWrite);
        Assert.Equal((write.SpanId, write.SpanId), (reencode.ParentSpanId, photo.ParentSpanId));
        Assert.Equal(true, photo.GetTagItem(FieldStoreTelemetry.PhotoNew));
        // EF Core's command spans (the beta instrumentation): the INSERT of the observation, under the store write.
        var commands = spans.Where(a => a.Kind == ActivityKind.Client && Under(a, write, spans)).ToList();
        Assert.NotEmpty(commands);
        // The statement's attribute is db.query.text (stable conventions) or db.statement (the old ones), by OTEL_SEMCONV_STABILITY_OPT_IN.
        Assert.Contains(commands, c => (c.GetTagItem("db.query.text") ?? c.GetTagItem("db.statement")) is string sql && sql.Contains("INSERT", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task A_traceparent_from_the_caller_is_continued()
    {
        var traceId = ActivityTraceId.CreateRandom();
        var parentId = ActivitySpanId.CreateRandom();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/predict?crop=coffee") { Content = Form((LeafJpeg(23), "leaf.jpg")) };
        request.Headers.Add("traceparent", $"00-{traceId.ToHexString()}-{parentId.ToHexString()}-01");
        var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(traceId.ToHexString(), TraceOf(response));

        var spans = await service.Spans.TraceAsync(traceId.ToHexString());
        var server = Assert.Single(spans, a => a.Kind == ActivityKind.Server);
        Assert.Equal(parentId, server.ParentSpanId);
        Assert.Contains(spans, a => a.DisplayName == ServingTelemetry.InferenceBatch);
    }
}
