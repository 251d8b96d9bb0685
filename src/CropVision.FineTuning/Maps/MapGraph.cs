using CropVision.Core.Models;
using CropVision.FineTuning.Torch;
using Onnx;

namespace CropVision.FineTuning.Maps;

/// <summary>
/// The served featurizer's front, cut at the tail's input map: RGB views [N, 3, 224, 224] to <see cref="TorchBackbone.TailStart"/>
/// [N, 256, 14, 14], run by ONNX Runtime (faster here than LibTorch, and the very graph the service runs).
/// </summary>
public static class MapGraph
{
    public const int Channels = 256, Side = 14;
    public const int FloatsPerView = Channels * Side * Side;

    public static ModelProto Build(Backbone backbone)
    {
        var model = GraphComposer.BuildFeaturizer(backbone, ["layer3"]);
        var g = model.Graph;
        g.Output.Clear();
        g.Output.Add(OnnxBuilder.FloatValue(TorchBackbone.TailStart, "batch", null, Channels, Side, Side));
        // Only the nodes and initializers the map needs (nodes are in topological order, so walk them backwards).
        var needed = new HashSet<string> { TorchBackbone.TailStart };
        var keep = new List<NodeProto>();
        foreach (var node in g.Node.Reverse())
        {
            if (!node.Output.Any(needed.Contains)) continue;
            keep.Add(node);
            foreach (var input in node.Input) needed.Add(input);
        }
        keep.Reverse();
        var initializers = g.Initializer.Where(i => needed.Contains(i.Name)).ToList();
        g.Node.Clear();
        g.Node.AddRange(keep);
        g.Initializer.Clear();
        g.Initializer.AddRange(initializers);
        return model;
    }
}
