using CropVision.Core.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace CropVision.FineTuning.Torch;

/// <summary>
/// The NuGet ResNet18 (<see cref="Backbone"/>) in TorchSharp with its own weights, to its pooled layer4 features
/// [N, 512]: the whole network from the project's RGB views (<see cref="Full"/>), or the tail from a cached map
/// (<see cref="Tail"/>). Both go through the ONNX graph's own nodes, so the structure cannot drift from the served one.
/// </summary>
public sealed class TorchBackbone : nn.Module<Tensor, Tensor>
{
    /// <summary>The map the fine-tuning tail starts from: the output of layer3's first block, 256 x 14 x 14 (NOTES.md).</summary>
    public const string TailStart = "ReLU347_Output_0";
    /// <summary>The last ReLU of layer4, 512 x 7 x 7, before the pooling.</summary>
    public const string Layer4Output = "ReLU393_Output_0";

    private readonly OnnxTorchGraph graph;
    private readonly Tensor? meanImage;

    private TorchBackbone(OnnxTorchGraph graph, Tensor? meanImage) : base("resnet18")
    {
        this.graph = graph;
        this.meanImage = meanImage;
        RegisterComponents();
    }

    /// <summary>The ONNX graph part inside, for its parameters by initializer name.</summary>
    public OnnxTorchGraph Graph => graph;

    /// <summary>RGB 0..255 views [N, 3, 224, 224] (the project's preprocessing) to pooled features [N, 512].</summary>
    public static TorchBackbone Full(Backbone backbone)
    {
        using var mean = torch.tensor(backbone.MeanImage, [1, 3, Backbone.InputSize, Backbone.InputSize]);
        return new TorchBackbone(new OnnxTorchGraph(backbone.Model.Graph, Backbone.InputName, Layer4Output, "full"), mean.clone());
    }

    /// <summary>Maps of <paramref name="from"/> (e.g. <see cref="TailStart"/>) to pooled features [N, 512].</summary>
    public static TorchBackbone Tail(Backbone backbone, string from = TailStart) =>
        new(new OnnxTorchGraph(backbone.Model.Graph, from, Layer4Output, "tail"), null);

    public override Tensor forward(Tensor input)
    {
        var x = input;
        if (meanImage is not null)
        {
            // As the composed graph: RGB to BGR, minus the backbone's mean image; no division by a deviation.
            x = x.flip(1) - meanImage;
        }
        // Global average of the 7x7 map: what the featurizer's GlobalAveragePool (and the backbone's 7x7 AveragePool) computes.
        return graph.forward(x).mean([2, 3]);
    }
}
