using System.Collections.Concurrent;
using CropVision.Core.Inference;
using CropVision.Core.Preprocessing;
using CropVision.Serving.Registry;

namespace CropVision.Serving.Shadow;

/// <summary>A candidate's answer to one photo.</summary>
public sealed record ShadowVerdict(string Label, string Status, double Confidence);

/// <summary>A candidate version that can answer photos (its own preprocessing and session).</summary>
public sealed record ShadowCandidate(int Version, Func<byte[], CancellationToken, ShadowVerdict> Answer);

/// <summary>Where the shadow runner gets a crop's candidate; the service loads it from the models folder, tests give a fake.</summary>
public interface IShadowCandidates
{
    /// <summary>The configured candidate of a crop, or null (none configured, or it could not be loaded: see <see cref="LoadError"/>).</summary>
    ShadowCandidate? Get(string crop);
    string? LoadError(string crop);
}

/// <summary>
/// Loads <c>Models:Shadow:&lt;crop&gt;</c> from the models folder on first use (one thread per operator), and keeps it
/// until the configured version changes. A version that cannot load is reported, never retried on every photo.
/// </summary>
public sealed class FolderShadowCandidates(ModelRegistry registry, IOptionsMonitor<ModelsOptions> options, IOptions<LimitsOptions> limits,
    DecodeGate decodes, ILogger<FolderShadowCandidates> log)
    : IShadowCandidates, IDisposable
{
    private readonly ConcurrentDictionary<string, (int Version, CropModel? Model, string? Error)> _loaded = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _gate = new();

    public ShadowCandidate? Get(string crop)
    {
        if (!options.CurrentValue.Shadow.TryGetValue(crop, out var version)) return null;
        var entry = _loaded.GetValueOrDefault(crop);
        if (entry.Version != version)
        {
            lock (_gate)
            {
                entry = _loaded.GetValueOrDefault(crop);
                if (entry.Version != version)
                {
                    entry.Model?.Dispose();
                    try { entry = (version, registry.LoadVersion(crop, version), null); log.LogInformation("Shadow candidate for {Crop}: version {Version}.", crop, version); }
                    catch (Exception e) when (e is InvalidDataException or IOException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException or System.Text.Json.JsonException)
                    {
                        entry = (version, null, $"Shadow version {version} of '{crop}' could not be loaded: {e.Message}");
                        log.LogWarning("{Error}", entry.Error);
                    }
                    _loaded[crop] = entry;
                }
            }
        }
        if (entry.Model is not { } model) return null;
        return new ShadowCandidate(version, (image, ct) =>
        {
            var tensor = new float[model.Spec.FloatsPerImage];
            Framing framing;
            using (decodes.Enter(ct)) framing = ImagePreprocessor.Preprocess(image, model.Spec, tensor, limits.Value.MaxPixelsPerImage);
            ct.ThrowIfCancellationRequested();
            var output = model.Run(tensor, 1)[0];
            var top = Verdict.Ranked(output, model.Manifest.Task(model.Manifest.PrimaryOutput))[0];
            return new ShadowVerdict(top.Label, Verdict.Decide(output, model.Manifest, framing).ToString().ToLowerInvariant(), Math.Round(top.Probability, 4));
        });
    }

    public string? LoadError(string crop) => _loaded.TryGetValue(crop, out var e) ? e.Error : null;

    public void Dispose()
    {
        foreach (var e in _loaded.Values) e.Model?.Dispose();
    }
}
