using CropVision.Core.Inference;
using CropVision.Core.Models;
using CropVision.Serving.Batching;

namespace CropVision.Serving.Registry;

/// <summary>A loaded model version with its own batching queue (the backend and its scheduler, kept apart).</summary>
public sealed class ServedModel(CropModel model, DynamicBatcher batcher, DateTimeOffset loadedAt) : IAsyncDisposable
{
    public CropModel Model { get; } = model;
    public DynamicBatcher Batcher { get; } = batcher;
    public ModelManifest Manifest => Model.Manifest;
    public string Crop => Manifest.Crop;
    public int Version => Manifest.Version;
    public string Folder => Model.Folder;
    public DateTimeOffset LoadedAt { get; } = loadedAt;

    /// <summary>Finishes queued work before the session goes away, so a reload never fails a request in flight.</summary>
    public async ValueTask DisposeAsync()
    {
        await Batcher.DisposeAsync();
        Model.Dispose();
    }
}
