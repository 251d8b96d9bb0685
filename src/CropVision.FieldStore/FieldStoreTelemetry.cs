using System.Diagnostics;

namespace CropVision.FieldStore;

/// <summary>
/// The field store's trace spans, on the <see cref="ActivitySource"/> <c>CropVision.FieldStore</c>: <c>store write</c>
/// around each write the stores make (its <c>cropvision.store.operation</c> says which; EF Core's command spans go under
/// it when that instrumentation is on), <c>photo write</c> around a photo's files (thumbnail decode, temp file, move) and
/// <c>photo reencode</c> around a feedback photo's re-encoding (decode gate wait, decode, JPEG).
/// Nothing is created while no tracer listens.
/// </summary>
public static class FieldStoreTelemetry
{
    public const string SourceName = "CropVision.FieldStore";
    public static readonly ActivitySource Source = new(SourceName, typeof(FieldStoreTelemetry).Assembly.GetName().Version?.ToString());

    public const string StoreWrite = "store write";
    public const string PhotoWrite = "photo write";
    public const string PhotoReencode = "photo reencode";

    public const string Operation = "cropvision.store.operation";
    public const string PhotoBytes = "cropvision.photo.bytes";
    public const string PhotoNew = "cropvision.photo.new";

    /// <summary>
    /// A <c>store write</c> span, or null when no tracer listens or a write span of this store is already open around
    /// this one (feedback commits through the observation store: one span, named for the outer write).
    /// </summary>
    internal static Activity? StartWrite(string operation)
    {
        if (!Source.HasListeners()) return null;
        if (Activity.Current is { } current && ReferenceEquals(current.Source, Source) && current.OperationName == StoreWrite) return null;
        return Source.StartActivity(StoreWrite)?.SetTag(Operation, operation);
    }

    /// <summary>Marks a span failed with the exception as its event.</summary>
    internal static void Failed(this Activity? span, Exception e)
    {
        if (span is null) return;
        span.SetStatus(ActivityStatusCode.Error, e.Message);
        span.AddException(e);
    }
}
