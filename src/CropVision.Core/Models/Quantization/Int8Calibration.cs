using System.Text.Json;

namespace CropVision.Core.Models.Quantization;

/// <summary>uint8 quantization of one activation tensor: real = (q - ZeroPoint) * Scale.</summary>
public sealed record ActivationQuantization(float Scale, int ZeroPoint)
{
    /// <summary>The uint8 grid that covers [min, max] (widened to hold 0, as ONNX requires 0 to be exact).</summary>
    public static ActivationQuantization FromRange(float min, float max)
    {
        min = Math.Min(min, 0f);
        max = Math.Max(max, 0f);
        if (max - min < 1e-8f) return new(1e-8f, 0);
        float scale = (max - min) / 255f;
        int zero = (int)Math.Clamp(Math.Round(-min / scale, MidpointRounding.ToEven), 0, 255);
        return new(scale, zero);
    }
}

/// <summary>
/// The small, committed half of an int8 backbone: how each activation tensor is quantized, measured on training photos.
/// The int8 graph itself (over 5 MB) is rebuilt from the NuGet backbone and this file by <see cref="Int8Quantizer"/>,
/// deterministically, at load and export time.
/// </summary>
public sealed record Int8Calibration
{
    public const string DefaultFileName = "int8-calibration.json";
    public int Format { get; init; } = 1;
    /// <summary>How the activation ranges were measured (e.g. "minmax", "percentile 99.99").</summary>
    public required string Method { get; init; }
    /// <summary>What the ranges were measured on (training-split photos, through the shared preprocessing).</summary>
    public required string Data { get; init; }
    public required int Images { get; init; }
    /// <summary>Weights quantized to 7 bits (-63..63) so AVX2's 16-bit pairwise sums cannot saturate (no VNNI here).</summary>
    public bool ReduceRange { get; init; }
    /// <summary>Backbone tensor name to its uint8 quantization.</summary>
    public required IReadOnlyDictionary<string, ActivationQuantization> Activations { get; init; }

    public static Int8Calibration Read(string path)
    {
        if (!File.Exists(path)) throw new InvalidDataException($"{path} is missing.");
        try { return JsonSerializer.Deserialize<Int8Calibration>(File.ReadAllText(path), ModelManifest.Json) ?? throw new InvalidDataException($"{path} is empty."); }
        catch (JsonException e) { throw new InvalidDataException($"{path} is not a valid int8 calibration: {e.Message}", e); }
    }

    public void Write(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, ModelManifest.Json) + "\n");
}
