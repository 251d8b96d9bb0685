using System.Security.Cryptography;
using Onnx;

namespace CropVision.Core.Models;

/// <summary>
/// The pretrained ResNet18 that the Microsoft.ML.DnnImageFeaturizer.ResNet18 package copies next to every build output.
/// It is never committed: the manifest names its file and SHA-256 so a model is only composed with the backbone it was trained on.
/// </summary>
public sealed class Backbone
{
    public const string RelativePath = "DnnImageModels/ResNet18Onnx/ResNet18.onnx";
    public const string MeanImageRelativePath = "DnnImageModels/ResNetPrepOnnx/ResNetPreprocess.onnx";
    public const string Package = "Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1";
    public const int InputSize = 224;
    public const string InputName = "Input247";

    /// <summary>
    /// Layers whose activations can be used as features, pooled to one value per channel: the average over the tile, or
    /// (suffix "max") the strongest response anywhere in it, which keeps small lesions from being averaged away.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, (string Tensor, int Channels, string Pool)> Layers = new Dictionary<string, (string, int, string)>
    {
        ["layer2"] = ("ReLU315_Output_0", 128, "GlobalAveragePool"),
        ["layer3"] = ("ReLU347_Output_0", 256, "GlobalAveragePool"),
        ["layer4"] = ("ReLU393_Output_0", 512, "GlobalAveragePool"),
        ["layer3max"] = ("ReLU347_Output_0", 256, "GlobalMaxPool"),
        ["layer4max"] = ("ReLU393_Output_0", 512, "GlobalMaxPool"),
    };

    public string Path { get; }
    public ModelProto Model { get; }
    /// <summary>Per-pixel BGR mean image [1,3,224,224] from ResNetPreprocess.onnx.</summary>
    public float[] MeanImage { get; }

    /// <summary>The ONNX opset graphs built on this backbone use: 8 for the CNTK export (its BatchNormalization), 13 once BatchNormalization is folded (per-channel QDQ needs it).</summary>
    public long Opset { get; }

    private Backbone(string path, ModelProto model, float[] meanImage, long opset = OnnxBuilder.Opset) => (Path, Model, MeanImage, Opset) = (path, model, meanImage, opset);

    /// <summary>The same NuGet backbone (same file and SHA-256) with its graph quantized to int8 per <paramref name="calibration"/>.</summary>
    public Backbone Quantized(Quantization.Int8Calibration calibration) =>
        new(Path, Quantization.Int8Quantizer.Quantize(Model, calibration), MeanImage, Quantization.Int8Quantizer.Opset);

    /// <summary>
    /// The same NuGet backbone (same file and SHA-256) with weights edited in <paramref name="model"/>, e.g. a tail
    /// fine-tuned in TorchSharp and written back; the graph's structure must be the backbone's.
    /// </summary>
    public Backbone WithModel(ModelProto model) => new(Path, model, MeanImage, Opset);

    /// <summary>The same backbone with BatchNormalization folded into its convolutions (the fp32 graph calibration measures).</summary>
    public Backbone Folded() => new(Path, Quantization.Int8Quantizer.FoldBatchNorm(Model), MeanImage, Quantization.Int8Quantizer.Opset);

    public static Backbone Load(string? baseDirectory = null)
    {
        var dir = baseDirectory ?? AppContext.BaseDirectory;
        var path = System.IO.Path.Combine(dir, RelativePath);
        var meanPath = System.IO.Path.Combine(dir, MeanImageRelativePath);
        if (!File.Exists(path) || !File.Exists(meanPath))
            throw new FileNotFoundException($"The ResNet18 backbone is missing from {dir}. It comes from the NuGet package {Package}; build the project so the package copies it.", path);
        var model = OnnxFile.Read(path);
        var mean = OnnxFile.Read(meanPath).Graph.Initializer.Single(i => i.Name == "MeanImage");
        return new Backbone(path, model, OnnxBuilder.ReadFloats(mean));
    }

    private static readonly Dictionary<string, string> HashCache = [];

    public string Sha256()
    {
        lock (HashCache)
        {
            if (HashCache.TryGetValue(Path, out var h)) return h;
            using var f = File.OpenRead(Path);
            return HashCache[Path] = Convert.ToHexStringLower(SHA256.HashData(f));
        }
    }

    public static int FeatureSize(IEnumerable<string> layers) => layers.Sum(l => Layers[l].Channels);
}
