using System.CommandLine;
using CropVision.Core.Inference;
using CropVision.Core.Models;

namespace CropVision.Training.Commands;

/// <summary>The --model option shared by evaluate, export and predict, and the loading it implies.</summary>
public static class ModelOption
{
    public static Option<string> Create() => new("--model")
    {
        Description = "A model version folder (models/coffee/1) or a crop folder (models/coffee: its newest version)",
        Required = true,
    };

    public static CropModel Load(string path, out string versionFolder, InferenceSpec? inference = null)
    {
        versionFolder = ModelRepository.ResolveVersionFolder(path);
        return CropModel.Load(versionFolder, Backbone.Load(), inference: inference);
    }

    /// <summary>The manifest's inference section with the command line's overrides applied; null when nothing is overridden.</summary>
    public static InferenceSpec? Inference(string path, FileInfo? int8Calibration, double? earlyExit)
    {
        if (int8Calibration is null && earlyExit is null) return null;
        var manifest = ModelManifest.Read(ModelRepository.ResolveVersionFolder(path));
        var spec = manifest.Inference ?? new InferenceSpec();
        if (int8Calibration is not null) spec = spec with { Int8Calibration = int8Calibration.FullName };
        if (earlyExit is { } t) spec = spec with { EarlyExit = new EarlyExitSpec { ConfidentAbove = t, Method = "given on the command line" } };
        return spec;
    }

    public static string Name(ModelManifest m) => $"{m.Crop}/{m.Version}";
}
