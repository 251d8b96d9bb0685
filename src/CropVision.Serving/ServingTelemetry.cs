using System.Diagnostics;

namespace CropVision.Serving;

/// <summary>
/// The serving engine's trace spans, on the <see cref="ActivitySource"/> <c>CropVision.Serving</c>: <c>decode</c> (the
/// decode gate's wait and the decode), <c>queue wait</c> (enqueue to batch start, one per image), <c>inference batch</c>
/// (one model call for many requests: parented under the oldest request's span and linked to every request it answers)
/// and <c>inference</c> (that call as seen from each other request, linked to the batch span). While no tracer listens,
/// <see cref="ActivitySource.StartActivity(string, ActivityKind)"/> returns null and nothing is allocated.
/// </summary>
public static class ServingTelemetry
{
    public const string SourceName = "CropVision.Serving";
    public static readonly ActivitySource Source = new(SourceName, typeof(ServingTelemetry).Assembly.GetName().Version?.ToString());

    // Span names.
    public const string Decode = "decode";
    public const string QueueWait = "queue wait";
    public const string InferenceBatch = "inference batch";
    public const string Inference = "inference";

    // Attributes.
    public const string Crop = "cropvision.model.crop";
    public const string ModelVersion = "cropvision.model.version";
    public const string ExecutionProvider = "cropvision.execution_provider";
    public const string BatchSize = "cropvision.batch.size";
    public const string ImageBytes = "cropvision.image.bytes";
    public const string DecodeWaitMs = "cropvision.decode.wait_ms";
    public const string Framing = "cropvision.framing";

    /// <summary>Marks a span failed with the exception as its event (OpenTelemetry's exception convention).</summary>
    public static void Failed(this Activity? span, Exception e)
    {
        if (span is null) return;
        span.SetStatus(ActivityStatusCode.Error, e.Message);
        span.AddException(e);
    }
}
