using CropVision.Core.Models;
using CropVision.Core.Preprocessing;
using Google.Protobuf;

namespace CropVision.Tests.Support;

public static class ModelFixtures
{
    /// <summary>Writes a model version folder for a given head, as the training console would lay it out.</summary>
    public static string WriteVersion(string folder, Backbone backbone, IReadOnlyList<string> layers, PreprocessingSpec spec, HeadParameters head,
        Func<ModelManifest, ModelManifest>? edit = null)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, "head.onnx"), HeadGraph.Build(head).ToByteArray());
        var manifest = Manifest(backbone, layers, spec, head);
        (edit?.Invoke(manifest) ?? manifest).Write(folder);
        return folder;
    }

    public static ModelManifest Manifest(Backbone backbone, IReadOnlyList<string> layers, PreprocessingSpec spec, HeadParameters head) => new()
    {
        Crop = "coffee",
        Version = 1,
        CreatedUtc = DateTimeOffset.UnixEpoch,
        Tasks = [.. head.Outputs.Select(o => new TaskSpec { Output = o.Name, Kind = o.Activation == LinearOutput.Softmax ? TaskSpec.SingleLabel : TaskSpec.MultiLabel, Labels = o.Labels })],
        PrimaryOutput = head.Outputs[0].Name,
        Preprocessing = spec,
        Backbone = new BackboneSpec { File = Backbone.RelativePath, Sha256 = backbone.Sha256(), Package = Backbone.Package, Layers = layers, FeatureSize = Backbone.FeatureSize(layers) },
        Calibration = new CalibrationSpec { UncertainBelow = 0.5, RejectAbove = 3, Method = "test" },
        Training = new TrainingInfo
        {
            DataFolder = "/data", DataFingerprint = "abc", ImagesPerSplit = new Dictionary<string, int> { ["train"] = 1 },
            ImagesPerClass = new Dictionary<string, int> { ["a"] = 1 }, Hyperparameters = new Dictionary<string, double> { ["stress.l2"] = 4 },
            Selection = "test", Seed = 1,
        },
    };
}
