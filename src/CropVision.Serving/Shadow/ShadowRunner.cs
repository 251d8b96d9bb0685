using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.Channels;
using CropVision.FieldStore.Infrastructure;
using CropVision.FieldStore.Model;
using CropVision.Serving.Predictions;
using CropVision.Serving.Registry;
using Prometheus;

namespace CropVision.Serving.Shadow;

/// <summary>How a crop's shadow has done since the service started.</summary>
public sealed record ShadowStats(int Version, double Share, long Compared, long Agreed, long SkippedBusy, long SkippedFull, long Failed, string? LoadError)
{
    public double? Agreement => Compared > 0 ? Math.Round(Agreed / (double)Compared, 4) : null;
}

/// <summary>
/// Runs a candidate version beside the serving one on a share of live photos, strictly after the farmer's answer has
/// been sent: <see cref="Offer"/> is called from the response's OnCompleted callback, costs a coin flip and a
/// non-blocking write to a small queue, and never throws. One background worker preprocesses and runs the candidate,
/// but only while the serving model's queue is empty (checked when offered and again just before running); when the
/// serving queue is busy or the shadow queue is full the photo is skipped and counted. Agreement (same label and same
/// status) goes to /metrics, to /v1/models/{crop} and, per photo, to the field store (ShadowAnswers).
/// </summary>
public sealed class ShadowRunner(IShadowCandidates candidates, ModelRegistry registry, IOptionsMonitor<ModelsOptions> options,
    IServiceScopeFactory scopes, TimeProvider clock, ILogger<ShadowRunner> log) : BackgroundService
{
    public const int QueueCapacity = 4;

    private sealed record Job(string Crop, byte[] Image, PredictionResponse Primary);
    private sealed class Counters { public long Compared, Agreed, SkippedBusy, SkippedFull, Failed; }

    // Wait mode only so that TryWrite answers false when full (DropWrite would report success and drop silently); nothing ever waits.
    private readonly Channel<Job> _queue = Channel.CreateBounded<Job>(new BoundedChannelOptions(QueueCapacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
    private readonly ConcurrentDictionary<string, Counters> _counters = new(StringComparer.OrdinalIgnoreCase);

    private static readonly Counter Comparisons = Metrics.CreateCounter("cropvision_shadow_comparisons_total",
        "Live photos answered by both the serving version and the shadow candidate, by whether they agreed (same label and status).",
        "crop", "serving_version", "shadow_version", "result");
    private static readonly Counter Skipped = Metrics.CreateCounter("cropvision_shadow_skipped_total",
        "Photos sampled for the shadow but not run: the serving queue was busy, the shadow queue was full, or the candidate failed.", "crop", "reason");
    private static readonly Gauge AgreementGauge = Metrics.CreateGauge("cropvision_shadow_agreement",
        "Share of shadow comparisons that agreed since the service started.", "crop", "shadow_version");

    /// <summary>Whether the serving model of a crop has work waiting (then the shadow stays out of its way). Replaceable for tests.</summary>
    public Func<string, bool> ServingBusy { get; set; } = crop => registry.Get(crop) is { } s && (s.Batcher.Depth > 0 || !s.Batcher.HasRoom);

    /// <summary>Offers a photo the serving version has answered. Returns at once; never throws.</summary>
    public void Offer(string crop, byte[] image, PredictionResponse primary)
    {
        try
        {
            var o = options.CurrentValue;
            if (!o.Shadow.ContainsKey(crop) || Random.Shared.NextDouble() >= o.ShadowShare) return;
            if (ServingBusy(crop)) { Skip(crop, "busy"); return; }
            if (!_queue.Writer.TryWrite(new Job(crop, image, primary))) Skip(crop, "full");
        }
        catch (Exception e) { log.LogWarning(e, "Shadow offer failed for {Crop}.", crop); }
    }

    public ShadowStats? Stats(string crop)
    {
        var o = options.CurrentValue;
        if (!o.Shadow.TryGetValue(crop, out var version)) return null;
        var c = _counters.GetOrAdd(crop, _ => new Counters());
        return new ShadowStats(version, o.ShadowShare, Interlocked.Read(ref c.Compared), Interlocked.Read(ref c.Agreed),
            Interlocked.Read(ref c.SkippedBusy), Interlocked.Read(ref c.SkippedFull), Interlocked.Read(ref c.Failed), candidates.LoadError(crop));
    }

    protected override async Task ExecuteAsync(CancellationToken stop)
    {
        try
        {
            await foreach (var job in _queue.Reader.ReadAllAsync(stop))
            {
                try { await RunAsync(job, stop); }
                catch (OperationCanceledException) when (stop.IsCancellationRequested) { return; }
                catch (Exception e)
                {
                    Skip(job.Crop, "error");
                    log.LogWarning(e, "Shadow run failed for {Crop}.", job.Crop);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
    }

    private async Task RunAsync(Job job, CancellationToken stop)
    {
        // Off the request path already; this yields so the worker never runs inline with whoever queued the job.
        await Task.Yield();
        if (ServingBusy(job.Crop)) { Skip(job.Crop, "busy"); return; }
        if (candidates.Get(job.Crop) is not { } candidate) { Skip(job.Crop, "error"); return; }
        var shadow = candidate.Answer(job.Image, stop);
        var p = job.Primary;
        bool agreed = shadow.Label == p.Label && shadow.Status == p.Status;
        var c = _counters.GetOrAdd(job.Crop, _ => new Counters());
        Interlocked.Increment(ref c.Compared);
        if (agreed) Interlocked.Increment(ref c.Agreed);
        string v = candidate.Version.ToString(CultureInfo.InvariantCulture);
        Comparisons.WithLabels(job.Crop, p.Model.Version.ToString(CultureInfo.InvariantCulture), v, agreed ? "agree" : "disagree").Inc();
        AgreementGauge.WithLabels(job.Crop, v).Set(Interlocked.Read(ref c.Agreed) / (double)Interlocked.Read(ref c.Compared));

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<FieldStoreContext>();
        db.ShadowAnswers.Add(new ShadowAnswer
        {
            PhotoSha256 = CropVision.FieldStore.Photos.PhotoFiles.Sha256Of(job.Image), Crop = job.Crop,
            ServingVersion = p.Model.Version, ServingLabel = p.Label, ServingStatus = p.Status, ServingConfidence = p.Confidence,
            ShadowVersion = candidate.Version, ShadowLabel = shadow.Label, ShadowStatus = shadow.Status, ShadowConfidence = shadow.Confidence,
            Agreed = agreed, At = clock.GetUtcNow(),
        });
        await db.SaveChangesAsync(stop);
    }

    private void Skip(string crop, string reason)
    {
        var c = _counters.GetOrAdd(crop, _ => new Counters());
        switch (reason)
        {
            case "busy": Interlocked.Increment(ref c.SkippedBusy); break;
            case "full": Interlocked.Increment(ref c.SkippedFull); break;
            default: Interlocked.Increment(ref c.Failed); break;
        }
        Skipped.WithLabels(crop, reason).Inc();
    }
}
