using System.Buffers;
using System.Diagnostics;
using CropVision.Core.Inference;
using CropVision.Core.Models;
using CropVision.Core.Preprocessing;
using CropVision.Serving.Batching;
using CropVision.Serving.Catalogue;
using CropVision.Serving.Registry;

namespace CropVision.Serving.Predictions;

/// <summary>Image bytes to a diagnosis: shared preprocessing, the model's batching queue, then names and advice from the catalogue.</summary>
public sealed class PredictionService(ModelRegistry registry, DiseaseCatalogue catalogue, IOptions<LimitsOptions> limits, DecodeGate decodes)
{
    private const int TopPredictions = 3;

    /// <summary>A decoded image, ready for the model's queue.</summary>
    public sealed record Prepared(ServedModel Model, byte[] Image, float[] Tensor, TimeSpan Decode, Framing Framing);

    /// <summary>Runs one image. Throws <see cref="ImageDecodeException"/>, <see cref="QueueFullException"/>, or <see cref="KeyNotFoundException"/> for an unknown crop.</summary>
    public async Task<PredictionResponse> PredictAsync(string crop, byte[] image, CancellationToken ct) => await CompleteAsync(await PrepareAsync(crop, image, 0, ct), ct);

    /// <summary>
    /// Throws <see cref="QueueFullException"/> when the crop's model would not take new work now. Endpoints call it
    /// before they read the body, so overload costs neither the upload's memory nor its decoding.
    /// </summary>
    public void Admit(string crop) => (registry.Get(crop) ?? throw new KeyNotFoundException(crop)).Batcher.EnsureRoom();

    /// <summary>
    /// Bytes to tensor with the serving version's preprocessing (decode errors surface here, before queueing). Admission
    /// is decided here, before decoding, so overload costs no decoding; the image then queues whatever the wait has
    /// become meanwhile (only a full queue still refuses it). The tensor comes from the array pool.
    /// </summary>
    /// <param name="alsoAhead">Images of the same request admitted before this one and not queued yet (a batch request queues them all at once).</param>
    public async Task<Prepared> PrepareAsync(string crop, byte[] image, int alsoAhead, CancellationToken ct)
    {
        var served = registry.Get(crop) ?? throw new KeyNotFoundException(crop);
        served.Batcher.EnsureRoom(alsoAhead);
        // The span covers the gate's wait (an attribute) and the decode; the response's decodeMs is the decode alone.
        using var span = ServingTelemetry.Source.StartActivity(ServingTelemetry.Decode);
        span?.SetTag(ServingTelemetry.Crop, served.Crop).SetTag(ServingTelemetry.ImageBytes, image.Length);
        long waitStarted = Stopwatch.GetTimestamp();
        using var slot = await decodes.EnterAsync(ct); // no more decodes at once than the gate allows
        span?.SetTag(ServingTelemetry.DecodeWaitMs, Math.Round(Stopwatch.GetElapsedTime(waitStarted).TotalMilliseconds, 2));
        var clock = Stopwatch.StartNew();
        float[] tensor;
        Framing framing;
        try { tensor = Preprocess(image, served, out framing); }
        catch (Exception e) { span.Failed(e); throw; }
        ServingMetrics.DecodeSeconds.WithLabels(served.Crop).Observe(clock.Elapsed.TotalSeconds);
        span?.SetTag(ServingTelemetry.Framing, framing == Framing.CloseUp ? "close-up" : "wide");
        return new Prepared(served, image, tensor, clock.Elapsed, framing);
    }

    private float[] Preprocess(byte[] image, ServedModel served, out Framing framing)
    {
        var spec = served.Model.Spec;
        var tensor = ArrayPool<float>.Shared.Rent(spec.FloatsPerImage);
        try
        {
            framing = ImagePreprocessor.Preprocess(image, spec, tensor.AsSpan(0, spec.FloatsPerImage), limits.Value.MaxPixelsPerImage);
            return tensor;
        }
        catch
        {
            ArrayPool<float>.Shared.Return(tensor);
            throw;
        }
    }

    public async Task<PredictionResponse> CompleteAsync(Prepared p, CancellationToken ct) => (await CompleteLeafAsync(p, ct)).Response;

    /// <summary>One leaf's answer with the raw output it came from and the model that gave it (for <see cref="Combine"/>).</summary>
    public sealed record LeafAnswer(PredictionResponse Response, LeafOutput Raw, ServedModel Model);

    public async Task<LeafAnswer> CompleteLeafAsync(Prepared p, CancellationToken ct)
    {
        var (result, model) = await RunAsync(p.Model.Crop, p.Model, p.Tensor, p.Image, ct, pooled: true, admitted: true);
        // A reload may have moved the image to a version with another view policy: its framing then follows that spec.
        var framing = ReferenceEquals(model, p.Model) ? p.Framing : ImagePreprocessor.FramingOf(p.Image, model.Model.Spec);
        var leaf = new LeafOutput(result.Output, framing, Verdict.Decide(result.Output, model.Manifest, framing)); // decided once
        var response = Describe(model, leaf, new Timings(Ms(p.Decode), Ms(result.Queue), Ms(result.Inference), result.BatchSize));
        ServingMetrics.Predictions.WithLabels(model.Crop, response.Status).Inc();
        return new LeafAnswer(response, leaf, model);
    }

    /// <summary>
    /// Several leaves of one plant or plot, one answer (<see cref="LeafCombiner"/> has the rule). All leaves must have
    /// been answered by <paramref name="model"/>; the caller leaves out any that a reload sent to another version.
    /// </summary>
    public CombinedDiagnosis Combine(ServedModel model, IReadOnlyList<LeafOutput> leaves)
    {
        var m = model.Manifest;
        var combined = LeafCombiner.Combine(leaves, m);
        var primary = m.Task(m.PrimaryOutput);
        var ranked = combined.Probabilities.Select((p, i) => new RankedLabel(primary.Labels[i], p)).OrderByDescending(r => r.Probability).ToList();
        var top = ranked[0];
        SeverityGrade? severity = null;
        if (combined.SeverityIndex is { } si && m.Tasks.FirstOrDefault(t => t.Output == TaskNames.Severity) is { } sevTask)
        {
            var grade = sevTask.Labels[si];
            var e = catalogue.Severity(m.Crop, grade);
            // The probability shown is the worst leaf's own for that grade.
            var p = combined.Used.Select(i => leaves[i]).Where(l => sevTask.AppliesTo(l.Framing) && l.Output.Probabilities.ContainsKey(sevTask.Output))
                .Select(l => l.Output.Probabilities[sevTask.Output]).Where(s => Array.IndexOf(s, s.Max()) == si).Max(s => s[si]);
            severity = new SeverityGrade(grade, e.En, e.Vi, Math.Round(p, 4));
        }
        var others = combined.OtherStresses.Where(kv => kv.Value >= 0.5f && kv.Key != top.Label).OrderByDescending(kv => kv.Value)
            .Select(kv => Named(m.Crop, new RankedLabel(kv.Key, kv.Value))).ToList();
        return new CombinedDiagnosis(m.Crop, new ModelRef(m.Crop, m.Version), StatusName(combined.Status), FramingName(combined.Framing),
            top.Label, Math.Round(top.Probability, 4), [.. ranked.Take(TopPredictions).Select(r => Named(m.Crop, r))], severity, others,
            AdviceFor(m.Crop, combined.Status, top.Label), combined.Used);
    }

    /// <summary>
    /// Queues on the serving version. If a reload retired it meanwhile, the image goes to its successor (preprocessed
    /// again if the new version preprocesses differently), so a reload never fails a request.
    /// </summary>
    public async Task<(BatchedResult, ServedModel)> RunAsync(string crop, ServedModel served, float[] tensor, byte[]? image, CancellationToken ct, bool pooled = false, bool admitted = false)
    {
        for (int attempt = 0; ; attempt++)
        {
            Task<BatchedResult> queued;
            try { queued = served.Batcher.EnqueueAsync(tensor, ct, pooled, admitted); }
            catch (BatcherRetiredException) when (attempt < 3)
            {
                var current = registry.Get(crop) ?? throw new KeyNotFoundException(crop);
                if (current.Model.Spec != served.Model.Spec)
                {
                    if (image is null) throw;
                    if (pooled) ArrayPool<float>.Shared.Return(tensor);
                    using (await decodes.EnterAsync(ct)) tensor = Preprocess(image, current, out _);
                    pooled = true;
                }
                served = current;
                continue;
            }
            catch when (pooled)
            {
                ArrayPool<float>.Shared.Return(tensor); // refused: the tensor is still ours to give back
                throw;
            }
            return (await queued, served);
        }
    }

    private PredictionResponse Describe(ServedModel model, LeafOutput leaf, Timings timings)
    {
        var m = model.Manifest;
        var (output, framing) = (leaf.Output, leaf.Framing);
        var ranked = Verdict.Ranked(output, m.Task(m.PrimaryOutput));
        var top = ranked[0];

        SeverityGrade? severity = null;
        if (m.Tasks.FirstOrDefault(t => t.Output == TaskNames.Severity) is { } sevTask && sevTask.AppliesTo(framing))
        {
            var best = Verdict.Ranked(output, sevTask)[0];
            var e = catalogue.Severity(m.Crop, best.Label);
            severity = new SeverityGrade(best.Label, e.En, e.Vi, Math.Round(best.Probability, 4));
        }
        var others = m.Tasks.Where(t => t.Kind == TaskSpec.MultiLabel && t.AppliesTo(framing))
            .SelectMany(t => Verdict.Ranked(output, t))
            .Where(r => r.Probability >= 0.5f && r.Label != top.Label)
            .Select(r => Named(m.Crop, r)).ToList();
        return new PredictionResponse(m.Crop, new ModelRef(m.Crop, m.Version), StatusName(leaf.Status), FramingName(framing), top.Label,
            Math.Round(top.Probability, 4), [.. ranked.Take(TopPredictions).Select(r => Named(m.Crop, r))], severity, others,
            AdviceFor(m.Crop, leaf.Status, top.Label), timings);
    }

    // What one leaf's answer and several leaves' answer say alike: names, advice by status, status and framing words.
    private LabelProbability Named(string crop, RankedLabel r)
    {
        var e = catalogue.Label(crop, r.Label);
        return new(r.Label, e.En, e.Vi, Math.Round(r.Probability, 4));
    }

    private Advice AdviceFor(string crop, PredictionStatus status, string topLabel)
    {
        if (status == PredictionStatus.Rejected) return new Advice(catalogue.Rejected.En, catalogue.Rejected.Vi);
        if (status == PredictionStatus.Uncertain) return new Advice(catalogue.Uncertain.En, catalogue.Uncertain.Vi);
        var entry = catalogue.Label(crop, topLabel);
        return entry.Advice is { } a ? new Advice(a.En, a.Vi) : new Advice(entry.En, entry.Vi);
    }

    private static string StatusName(PredictionStatus status) => status.ToString().ToLowerInvariant();
    private static string FramingName(Framing framing) => framing == Framing.CloseUp ? "close-up" : "wide";

    private static double Ms(TimeSpan t) => Math.Round(t.TotalMilliseconds, 2);
}
