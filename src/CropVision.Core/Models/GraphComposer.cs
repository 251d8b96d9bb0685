using CropVision.Core.Preprocessing;
using Onnx;
using static CropVision.Core.Models.OnnxBuilder;

namespace CropVision.Core.Models;

/// <summary>
/// Builds the graphs the project runs, all from the same pieces:
/// the featurizer (views to backbone features, used by training) and the composed model
/// (image views to probabilities: RGB to BGR, mean-image subtraction, backbone with a dynamic batch, tile averaging,
/// the head, and averaging over flips), which is what the service runs and what <c>export</c> writes.
/// </summary>
public static class GraphComposer
{
    public const string ViewsInput = "views";
    public const string ImageInput = "image";
    public const string FeaturesOutput = "features";

    /// <summary>views [B,3,224,224] RGB 0..255 to features [B,D] (global-average-pooled activations of the chosen layers).</summary>
    public static ModelProto BuildFeaturizer(Backbone backbone, IReadOnlyList<string> layers)
    {
        var g = new GraphProto { Name = "cropvision_featurizer" };
        g.Input.Add(FloatValue(ViewsInput, "batch", null, 3, Backbone.InputSize, Backbone.InputSize));
        AddFeaturizerBody(g, backbone, layers, ViewsInput, FeaturesOutput);
        g.Output.Add(FloatValue(FeaturesOutput, "batch", null, Backbone.FeatureSize(layers)));
        return NewModel(g, "CropVision featurizer: ResNet18 features of 224x224 RGB views.", backbone.Opset);
    }

    /// <summary>
    /// image [N, flips*tiles, 3, 224, 224] RGB 0..255 to one probability tensor per head output, plus the
    /// out-of-distribution distance and the averaged features, each with N rows.
    /// </summary>
    public static ModelProto BuildComposed(Backbone backbone, IReadOnlyList<string> layers, ModelProto head, PreprocessingSpec spec, IEnumerable<KeyValuePair<string, string>> metadata)
    {
        if (spec.TileSize != Backbone.InputSize) throw new InvalidDataException($"The backbone takes {Backbone.InputSize}px tiles, not {spec.TileSize}px.");
        int d = Backbone.FeatureSize(layers), tiles = spec.TileCount;
        var g = new GraphProto { Name = "cropvision_model" };
        // The view count is symbolic: the full spec.ViewCount views, or (an early exit's stages) whole flips' worth of
        // tiles; outputs are averaged over the flips given.
        var image = FloatValue(ImageInput, "batch", null, spec.ViewCount, 3, Backbone.InputSize, Backbone.InputSize);
        image.Type.TensorType.Shape.Dim[1] = new TensorShapeProto.Types.Dimension { DimParam = "views" };
        g.Input.Add(image);
        g.Node.Add(Node("Shape", "image_shape", [ImageInput], ["image_dims"]));
        g.Initializer.Add(Int64Tensor("batch_axis", 0));
        g.Node.Add(Node("Gather", "batch_size", ["image_dims", "batch_axis"], ["batch_dim"], Int("axis", 0)));
        g.Initializer.Add(Int64Tensor("views_shape", -1, 3, Backbone.InputSize, Backbone.InputSize));
        g.Node.Add(Node("Reshape", "split_views", [ImageInput, "views_shape"], [ViewsInput]));
        AddFeaturizerBody(g, backbone, layers, ViewsInput, "view_features");

        // Tiles of one flip are parts of one leaf: average their features.
        g.Initializer.Add(Int64Tensor("tiles_shape", -1, tiles, d));
        g.Node.Add(Node("Reshape", "group_tiles", ["view_features", "tiles_shape"], ["tile_groups"]));
        g.Node.Add(Node("ReduceMean", "mean_tiles", ["tile_groups"], ["flip_features"], Ints("axes", 1), Int("keepdims", 0)));

        // The head, renamed into its own namespace and fed the per-flip features.
        string Rename(string n) => n == HeadParameters.InputName ? "flip_features" : "head/" + n;
        foreach (var init in head.Graph.Initializer) { var c = init.Clone(); c.Name = Rename(c.Name); g.Initializer.Add(c); }
        foreach (var node in head.Graph.Node)
        {
            var c = node.Clone();
            c.Name = "head/" + c.Name;
            for (int i = 0; i < c.Input.Count; i++) c.Input[i] = Rename(c.Input[i]);
            for (int i = 0; i < c.Output.Count; i++) c.Output[i] = Rename(c.Output[i]);
            g.Node.Add(c);
        }

        // Test-time augmentation: average every output over the flipped views.
        foreach (var output in head.Graph.Output)
        {
            long width = output.Type.TensorType.Shape.Dim[1].DimValue;
            AddFlipMean(g, "head/" + output.Name, output.Name, width);
            g.Output.Add(FloatValue(output.Name, "batch", null, width));
        }
        AddFlipMean(g, "flip_features", FeaturesOutput, d);
        g.Output.Add(FloatValue(FeaturesOutput, "batch", null, d));

        var model = NewModel(g, "CropVision crop-disease model: image views in, probabilities out. See metadata_props.", backbone.Opset);
        AddMetadata(model, metadata);
        return model;
    }

    /// <summary>[N*flips, width] to the mean over flips [N, width], whatever number of flips the input held.</summary>
    private static void AddFlipMean(GraphProto g, string input, string output, long width)
    {
        g.Initializer.Add(Int64Tensor($"{output}_flip_rest", -1, width));
        g.Node.Add(Node("Concat", $"{output}_flip_shape", ["batch_dim", $"{output}_flip_rest"], [$"{output}_flip_shape"], Int("axis", 0)));
        g.Node.Add(Node("Reshape", $"{output}_group_flips", [input, $"{output}_flip_shape"], [$"{output}_by_flip"]));
        g.Node.Add(Node("ReduceMean", $"{output}_mean_flips", [$"{output}_by_flip"], [output], Ints("axes", 1), Int("keepdims", 0)));
    }

    /// <summary>RGB to BGR, mean subtraction, the backbone's nodes, and pooled taps concatenated into <paramref name="output"/>.</summary>
    private static void AddFeaturizerBody(GraphProto g, Backbone backbone, IReadOnlyList<string> layers, string input, string output)
    {
        if (layers.Count == 0) throw new ArgumentException("At least one backbone layer is needed.", nameof(layers));
        g.Node.Add(Node("Split", "split_rgb", [input], ["in_r", "in_g", "in_b"], Int("axis", 1))); // equal parts (valid in opset 8 and 13)
        g.Node.Add(Node("Concat", "to_bgr", ["in_b", "in_g", "in_r"], ["in_bgr"], Int("axis", 1)));
        g.Initializer.Add(FloatTensor("mean_image", [1, 3, Backbone.InputSize, Backbone.InputSize], backbone.MeanImage));
        g.Node.Add(Node("Sub", "subtract_mean", ["in_bgr", "mean_image"], [Backbone.InputName]));

        var src = backbone.Model.Graph;
        // The backbone's own 7x7 pooling is replaced by the global pooling of the taps below.
        foreach (var node in src.Node.Where(n => n.OpType != "AveragePool")) g.Node.Add(node.Clone());
        foreach (var init in src.Initializer) g.Initializer.Add(init);

        var pooled = new List<string>();
        foreach (var layer in layers)
        {
            if (!Backbone.Layers.TryGetValue(layer, out var tap)) throw new InvalidDataException($"Unknown backbone layer '{layer}'. Known: {string.Join(", ", Backbone.Layers.Keys)}.");
            // An int8 backbone: pool the dequantized copy, so the quantized tensor's producer keeps one consumer and fuses.
            var tensor = src.Node.Any(n => n.Output.Contains(tap.Tensor + Quantization.Int8Quantizer.DequantizedSuffix)) ? tap.Tensor + Quantization.Int8Quantizer.DequantizedSuffix : tap.Tensor;
            g.Node.Add(Node(tap.Pool, $"pool_{layer}", [tensor], [$"pool_{layer}"]));
            g.Node.Add(Node("Flatten", $"flat_{layer}", [$"pool_{layer}"], [$"feat_{layer}"], Int("axis", 1)));
            pooled.Add($"feat_{layer}");
        }
        g.Node.Add(pooled.Count == 1
            ? Node("Identity", "features", pooled, [output])
            : Node("Concat", "features", pooled, [output], Int("axis", 1)));
    }
}
