
namespace CropVision.Serving.Registry;

/// <summary>Reloads a crop shortly after files under its folder change (a new version copied in, a manifest edited).</summary>
public sealed class ModelFolderWatcher(ModelRegistry registry, IOptions<ModelsOptions> options, ILogger<ModelFolderWatcher> log) : BackgroundService
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stop)
    {
        if (!options.Value.WatchForChanges || !Directory.Exists(registry.Folder)) return;
        var pending = new System.Collections.Concurrent.ConcurrentDictionary<string, DateTime>(StringComparer.OrdinalIgnoreCase);
        using var watcher = new FileSystemWatcher(registry.Folder) { IncludeSubdirectories = true, EnableRaisingEvents = true };
        void Changed(object? _, FileSystemEventArgs e)
        {
            var relative = Path.GetRelativePath(registry.Folder, e.FullPath);
            var crop = relative.Split(Path.DirectorySeparatorChar)[0];
            if (crop.Length > 0 && !crop.StartsWith('.') && crop != "..") pending[crop] = DateTime.UtcNow;
        }
        watcher.Changed += Changed; watcher.Created += Changed; watcher.Deleted += Changed; watcher.Renamed += (s, e) => Changed(s, e);
        log.LogInformation("Watching {Folder} for model changes.", registry.Folder);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            foreach (var (crop, at) in pending)
            {
                // Wait until writes have settled so a half-copied version is not loaded.
                if (DateTime.UtcNow - at < Settle || !pending.TryRemove(crop, out _)) continue;
                var (ok, message) = await registry.ReloadAsync(crop);
                log.Log(ok ? LogLevel.Information : LogLevel.Warning, "Files changed under {Crop}: {Message}", crop, message);
            }
        }
    }
}
