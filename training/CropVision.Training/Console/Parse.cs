using System.Globalization;
using CropVision.Core.Preprocessing;
using CropVision.Learning.Data;

namespace CropVision.Training.Console;

/// <summary>Parsing of option values, with messages that say what was expected.</summary>
public static class Parse
{
    public static string[] List(string value) => [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    public static (int Width, int Height) Size(string value)
    {
        var parts = value.ToLowerInvariant().Split('x');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var w) && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var h))
            return (w, h);
        throw new DatasetException($"'{value}' is not a size like 448x224.");
    }

    public static Flip Flip(string value) => value.ToLowerInvariant() switch
    {
        "none" => Core.Preprocessing.Flip.None,
        "h" or "horizontal" => Core.Preprocessing.Flip.Horizontal,
        "v" or "vertical" => Core.Preprocessing.Flip.Vertical,
        "hv" or "both" => Core.Preprocessing.Flip.Both,
        _ => throw new DatasetException($"'{value}' is not a flip (none, horizontal, vertical, both)."),
    };
}
