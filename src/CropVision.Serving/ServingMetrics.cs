using CropVision.Core.Preprocessing;
using Prometheus;

namespace CropVision.Serving;

/// <summary>Prometheus metrics of the serving path; queue time and compute time are kept apart.</summary>
public static class ServingMetrics
{
    private static readonly double[] LatencyBuckets = Histogram.ExponentialBuckets(0.0005, 2, 16); // 0.5 ms .. 16 s

    public static readonly Histogram QueueSeconds = Metrics.CreateHistogram("cropvision_queue_seconds",
        "Time an image waited in the batching queue before its batch started.", new HistogramConfiguration { LabelNames = ["crop"], Buckets = LatencyBuckets });
    public static readonly Histogram InferenceSeconds = Metrics.CreateHistogram("cropvision_inference_seconds",
        "Model compute time per batch.", new HistogramConfiguration { LabelNames = ["crop"], Buckets = LatencyBuckets });
    public static readonly Histogram DecodeSeconds = Metrics.CreateHistogram("cropvision_decode_seconds",
        "Image bytes to tensor time per image.", new HistogramConfiguration { LabelNames = ["crop"], Buckets = LatencyBuckets });
    public static readonly Histogram BatchSize = Metrics.CreateHistogram("cropvision_batch_size",
        "Images per model call.", new HistogramConfiguration { LabelNames = ["crop"], Buckets = [1, 2, 4, 8, 16, 32, 64] });
    public static readonly Gauge QueueDepth = Metrics.CreateGauge("cropvision_queue_depth",
        "Images waiting in the batching queue.", "crop");
    public static readonly Counter QueueFull = Metrics.CreateCounter("cropvision_queue_full_total",
        "Requests refused with 503 because the queue was full.", "crop");
    public static readonly Counter Predictions = Metrics.CreateCounter("cropvision_predictions_total",
        "Predictions answered, by status (ok, uncertain, rejected).", "crop", "status");
    public static readonly Gauge Provider = Metrics.CreateGauge("cropvision_execution_provider",
        "1 for the execution provider in use; fallback_reason is empty unless CUDA was wanted and could not load.", "provider", "requested", "fallback_reason");
    public static readonly Gauge ModelInfo = Metrics.CreateGauge("cropvision_model_info",
        "1 for each model version being served.", "crop", "version");
    public static readonly Gauge DecodesInUse = Metrics.CreateGauge("cropvision_decodes_in_use",
        "Images being decoded now (predictions, thumbnails, feedback re-encoding, shadow, imports), at most cropvision_decode_slots.");
    public static readonly Gauge DecodesPeak = Metrics.CreateGauge("cropvision_decodes_peak",
        "The most images decoded at once since the service started.");
    public static readonly Gauge DecodeSlots = Metrics.CreateGauge("cropvision_decode_slots",
        "Limits:MaxConcurrentDecodes as resolved (0 = one per core).");

    /// <summary>Reads the decode gate's counts into the gauges at each scrape (weakly: a test's disposed service is not kept alive).</summary>
    public static DecodeGate Watch(DecodeGate gate)
    {
        var weak = new WeakReference<DecodeGate>(gate);
        Metrics.DefaultRegistry.AddBeforeCollectCallback(() =>
        {
            if (!weak.TryGetTarget(out var g)) return;
            DecodesInUse.Set(g.InUse);
            DecodesPeak.Set(g.Peak);
            DecodeSlots.Set(g.Slots);
        });
        return gate;
    }
}
