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

    public static CropModel Load(string path, out string versionFolder)
    {
        versionFolder = ModelRepository.ResolveVersionFolder(path);
        return CropModel.Load(versionFolder, Backbone.Load());
    }

    public static string Name(ModelManifest m) => $"{m.Crop}/{m.Version}";
}
