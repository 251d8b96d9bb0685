using System.Collections.Concurrent;
using System.Globalization;
using CropVision.Core.Inference;
using CropVision.Core.Models;
using CropVision.Serving.Batching;

namespace CropVision.Serving.Registry;

/// <summary>Why a crop has no model serving, or why its last reload was refused.</summary>
public sealed record LoadFailure(string Crop, string Folder, string Reason, DateTimeOffset At);

/// <summary>
/// Every crop in the model repository and the version serving it. A (re)load builds the new session completely before
/// it swaps in; a corrupt or incompatible version is refused with a logged reason while the old one keeps serving.
/// </summary>
public sealed class ModelRegistry : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ServedModel> _served = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, LoadFailure> _failures = new(StringComparer.OrdinalIgnoreCase);
    private readonly SemaphoreSlim _reloadGate = new(1, 1);
    private readonly ModelsOptions _models;
    private readonly InferenceOptions _inference;
    private readonly ILogger<ModelRegistry> _log;
    private readonly TimeProvider _time;
    private readonly Backbone _backbone;

    public ExecutionProvider Provider { get; }
    public string Folder { get; }

    public ModelRegistry(IOptions<ModelsOptions> models, IOptions<InferenceOptions> inference, IHostEnvironment env, ILogger<ModelRegistry> log, TimeProvider time)
    {
        (_models, _inference, _log, _time) = (models.Value, inference.Value, log, time);
        Folder = Path.GetFullPath(Path.Combine(env.ContentRootPath, _models.Folder));
        Provider = ExecutionProvider.Choose(_inference, log);
        ServingMetrics.Provider.WithLabels(Provider.Name, Provider.Requested, Provider.FallbackReason ?? "").Set(1);
        _backbone = Backbone.Load();
        if (!Directory.Exists(Folder)) _log.LogWarning("The models folder {Folder} does not exist; no crop can be served.", Folder);
        foreach (var crop in CropFolders()) TryLoad(crop, out _);
    }

    /// <summary>Batching settings in force, with the provider-dependent defaults resolved.</summary>
    public BatcherSettings BatcherSettings => new(_inference.BatchSizeFor(Provider.IsCuda), _inference.QueueDelayFor(Provider.IsCuda),
        _inference.QueueCapacity, TimeSpan.FromMilliseconds(_inference.MaxQueueWaitMilliseconds), Math.Max(1, _inference.Workers));

    public IReadOnlyCollection<ServedModel> Served => [.. _served.Values.OrderBy(s => s.Crop, StringComparer.Ordinal)];
    public IReadOnlyCollection<LoadFailure> Failures => [.. _failures.Values];
    /// <summary>The backbone every version is composed on (the browser model is composed from it too).</summary>
    public Backbone Backbone => _backbone;
    public ServedModel? Get(string crop) => _served.TryGetValue(crop, out var m) ? m : null;
    public bool IsReady => !_served.IsEmpty;

    public IEnumerable<string> CropFolders() =>
        Directory.Exists(Folder) ? Directory.GetDirectories(Folder).Select(Path.GetFileName).Where(n => n is not null && !n.StartsWith('.')).Select(n => n!) : [];

    public IReadOnlyList<int> AvailableVersions(string crop) => ModelRepository.Versions(Path.Combine(Folder, crop));

    /// <summary>Loads the version that should serve <paramref name="crop"/> and swaps it in; on failure the old version stays.</summary>
    public async Task<(bool Ok, string Message)> ReloadAsync(string crop)
    {
        await _reloadGate.WaitAsync();
        try
        {
            var old = Get(crop);
            if (!TryLoad(crop, out var message)) return (false, message);
            if (old is not null && !ReferenceEquals(old, Get(crop))) _ = RetireAsync(old);
            return (true, message);
        }
        finally { _reloadGate.Release(); }
    }

    private bool TryLoad(string crop, out string message)
    {
        var cropFolder = Path.Combine(Folder, crop);
        var versions = ModelRepository.Versions(cropFolder);
        bool isPinned = _models.Pinned.TryGetValue(crop, out var pin);
        int? version;
        try { version = ModelRepository.ServingVersion(cropFolder, isPinned ? pin : null); }
        catch (Exception e) when (e is InvalidDataException or IOException) { return Fail(crop, cropFolder, message = e.Message); }
        if (version is null || !versions.Contains(version.Value))
        {
            message = version is null ? $"No model version in {cropFolder}."
                : isPinned ? $"Pinned version {version} of '{crop}' is not in {cropFolder}."
                : $"Version {version} of '{crop}', marked for service in {ServingMarker.FileName}, is not in {cropFolder}.";
            return Fail(crop, cropFolder, message);
        }
        var folder = Path.Combine(cropFolder, version.Value.ToString(CultureInfo.InvariantCulture));
        try
        {
            var model = CropModel.Load(folder, _backbone, Settings(_inference.IntraOpThreads));
            if (!string.Equals(model.Manifest.Crop, crop, StringComparison.OrdinalIgnoreCase))
            {
                model.Dispose();
                return Fail(crop, folder, message = $"{folder} says it is a '{model.Manifest.Crop}' model, not '{crop}'.");
            }
            // One warm-up run so the first farmer's request does not pay for ONNX Runtime's first-call allocations.
            model.Run(new float[model.Spec.FloatsPerImage], 1);
            _log.LogInformation("Batching for {Crop}: {Settings}.", crop, BatcherSettings);
            var batcher = new DynamicBatcher(crop, model.Spec.FloatsPerImage, model.Run, BatcherSettings, _time,
                [new(ServingTelemetry.ModelVersion, model.Manifest.Version), new(ServingTelemetry.ExecutionProvider, Provider.Name)]);
            var served = new ServedModel(model, batcher, _time.GetUtcNow());
            if (_served.TryGetValue(crop, out var previous)) ServingMetrics.ModelInfo.RemoveLabelled(crop, previous.Version.ToString(CultureInfo.InvariantCulture));
            _served[crop] = served;
            _failures.TryRemove(crop, out _);
            ServingMetrics.ModelInfo.WithLabels(crop, served.Version.ToString(CultureInfo.InvariantCulture)).Set(1);
            message = $"Serving {crop} version {served.Version} from {folder} on {Provider.Name}.";
            _log.LogInformation("{Message}", message);
            return true;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException or Google.Protobuf.InvalidProtocolBufferException or System.Text.Json.JsonException)
        {
            message = $"Refused {folder}: {e.Message}";
            return Fail(crop, folder, message);
        }
    }

    private SessionSettings Settings(int intraOpThreads) => new()
    {
        IntraOpThreads = intraOpThreads,
        UseCuda = Provider.IsCuda,
        CudaDeviceId = _inference.CudaDeviceId,
        OptimizedModelCache = _inference.OptimizedModelCache is { Length: > 0 } c ? Path.GetFullPath(c) : null,
        AllowSpinning = _inference.AllowSpinning,
    };

    /// <summary>
    /// Loads one version outside service (a shadow candidate), on one thread per operator so it takes as little as it can
    /// from the serving model. Throws what <see cref="CropModel.Load"/> throws.
    /// </summary>
    public CropModel LoadVersion(string crop, int version)
    {
        var folder = Path.Combine(Folder, crop, version.ToString(CultureInfo.InvariantCulture));
        var model = CropModel.Load(folder, _backbone, Settings(1));
        if (!string.Equals(model.Manifest.Crop, crop, StringComparison.OrdinalIgnoreCase))
        {
            model.Dispose();
            throw new InvalidDataException($"{folder} says it is a '{model.Manifest.Crop}' model, not '{crop}'.");
        }
        return model;
    }

    private bool Fail(string crop, string folder, string reason)
    {
        _failures[crop] = new LoadFailure(crop, folder, reason, _time.GetUtcNow());
        _log.LogError("Model load failed for {Crop}: {Reason}{Keeping}", crop, reason, Get(crop) is { } s ? $" (still serving version {s.Version})" : "");
        return false;
    }

    private static async Task RetireAsync(ServedModel old)
    {
        // Requests that already hold the old model finish on it; then its session is released.
        await Task.Delay(TimeSpan.FromSeconds(2));
        await old.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var m in _served.Values) await m.DisposeAsync();
        _served.Clear();
    }
}
