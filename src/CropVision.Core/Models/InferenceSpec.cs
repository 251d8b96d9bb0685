namespace CropVision.Core.Models;

/// <summary>
/// How a model version is run, chosen in its manifest so training's evaluation, the service and the export agree.
/// </summary>
public sealed record InferenceSpec
{
    /// <summary>An int8 calibration file in the version folder: the backbone runs as int8 QDQ rebuilt from it. Null: fp32.</summary>
    public string? Int8Calibration { get; init; }
    public EarlyExitSpec? EarlyExit { get; init; }
}

/// <summary>
/// Run the first flip's views of every photo; run the remaining flips only for photos whose answer is not yet
/// confident, and then average every output over all flips (exactly what the full model computes).
/// </summary>
public sealed record EarlyExitSpec
{
    /// <summary>Stop after the first flip when the primary output's top probability is at least this.</summary>
    public required double ConfidentAbove { get; init; }
    /// <summary>How the threshold was chosen.</summary>
    public string? Method { get; init; }

    /// <summary>The rule in words (export metadata, /v1/models).</summary>
    public string Rule(ModelManifest m) =>
        $"Run the views of the first flip ({m.Preprocessing.Flips[0]}) only, i.e. image [N, {m.Preprocessing.TileCount}, 3, {m.Preprocessing.TileSize}, {m.Preprocessing.TileSize}]; " +
        $"when the top probability of '{m.PrimaryOutput}' is below {ConfidentAbove.ToString(System.Globalization.CultureInfo.InvariantCulture)}, also run the remaining flips' views " +
        $"[N, {m.Preprocessing.ViewCount - m.Preprocessing.TileCount}, ...] and average every output over all {m.Preprocessing.Flips.Count} flips (weights 1 and {m.Preprocessing.Flips.Count - 1}).";
}
