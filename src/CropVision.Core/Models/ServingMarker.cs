using System.Text.Json;

namespace CropVision.Core.Models;

/// <summary>
/// <c>models/&lt;crop&gt;/serving.json</c>: the version marked for service (by <c>cropvision promote</c>, or by
/// <c>train</c>/<c>optimize</c> keeping the version that served when a new one lands). Where it exists the service serves that
/// version rather than the newest; a configured pin (<c>Models:Pinned:&lt;crop&gt;</c>) still overrides it.
/// </summary>
public sealed record ServingMarker
{
    public const string FileName = "serving.json";

    public required int Version { get; init; }
    /// <summary>The version that served before (null for the first marker).</summary>
    public int? Previous { get; init; }
    /// <summary>
    /// promote (passed the gate); train or optimize (<see cref="ModelVersionWriter"/> kept the serving version when a new
    /// one landed); repository (committed with the models, naming the version that served by default).
    /// </summary>
    public required string By { get; init; }
    public DateTimeOffset At { get; init; }
    /// <summary>The gate data and the comparison's files inside the version folder, when promote wrote it.</summary>
    public string? Gate { get; init; }
    public string? Comparison { get; init; }

    /// <summary>The marker of a crop folder, or null where there is none. A marker that cannot be read is an error, not ignored.</summary>
    public static ServingMarker? Read(string cropFolder)
    {
        var path = Path.Combine(cropFolder, FileName);
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<ServingMarker>(File.ReadAllText(path), ModelManifest.Json)
                ?? throw new InvalidDataException($"{path} is empty.");
        }
        catch (JsonException e) { throw new InvalidDataException($"{path} is not a serving marker: {e.Message}", e); }
    }

    /// <summary>Writes the marker atomically, so the service's watcher never reads half of one.</summary>
    public void Write(string cropFolder) =>
        ModelVersionWriter.WriteFileAtomically(Path.Combine(cropFolder, FileName),
            temp => File.WriteAllText(temp, JsonSerializer.Serialize(this, ModelManifest.Json) + "\n"));
}
