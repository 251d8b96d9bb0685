using Onnx;
using static CropVision.Core.Models.OnnxBuilder;

namespace CropVision.Core.Models;

/// <summary>Writes <see cref="HeadParameters"/> as a small ONNX graph: features [B,D] to one probability tensor per output plus the OOD distance [B,1].</summary>
public static class HeadGraph
{
    public static ModelProto Build(HeadParameters head)
    {
        int d = head.FeatureSize;
        var g = new GraphProto { Name = "cropvision_head" };
        g.Input.Add(FloatValue(HeadParameters.InputName, "batch", null, d));
        g.Initializer.Add(FloatTensor("feature_mean", [1, d], head.FeatureMean));
        g.Initializer.Add(FloatTensor("feature_inv_std", [1, d], head.FeatureInvStd));
        g.Node.Add(Node("Sub", "center", [HeadParameters.InputName, "feature_mean"], ["centered"]));
        g.Node.Add(Node("Mul", "standardize", ["centered", "feature_inv_std"], ["z"]));

        foreach (var o in head.Outputs)
        {
            int c = o.Labels.Count;
            g.Initializer.Add(FloatTensor($"{o.Name}_W", [c, d], o.Weights));
            g.Initializer.Add(FloatTensor($"{o.Name}_b", [c], o.Bias));
            g.Node.Add(Node("Gemm", $"{o.Name}_linear", ["z", $"{o.Name}_W", $"{o.Name}_b"], [$"{o.Name}_logits"], Int("transB", 1)));
            g.Node.Add(o.Activation == LinearOutput.Softmax
                ? Node("Softmax", $"{o.Name}_softmax", [$"{o.Name}_logits"], [o.Name], Int("axis", 1))
                : Node("Sigmoid", $"{o.Name}_sigmoid", [$"{o.Name}_logits"], [o.Name]));
            g.Output.Add(FloatValue(o.Name, "batch", null, c));
        }
        var model = NewModel(g, "CropVision head: standardized features to task probabilities and an out-of-distribution distance.");
        foreach (var o in head.Outputs.Where(o => o.Activation == LinearOutput.Softmax && o.Temperature != 1))
            WithTemperature(model, o.Name, o.Temperature);
        return AddDistance(model, head);
    }

    /// <summary>Initializer holding an output's temperature, where one is baked in.</summary>
    public static string TemperatureName(string output) => $"{output}_temperature";

    /// <summary>
    /// Bakes temperature scaling into a head graph: the softmax of <paramref name="output"/> reads logits / T, so the
    /// service and the browser apply it with no code of their own. A graph that already has one gets T multiplied in.
    /// </summary>
    public static ModelProto WithTemperature(ModelProto model, string output, double temperature)
    {
        var g = model.Graph;
        var softmax = g.Node.Single(n => n.OpType == "Softmax" && n.Output.Count == 1 && n.Output[0] == output);
        var name = TemperatureName(output);
        if (g.Initializer.FirstOrDefault(t => t.Name == name) is { } existing)
        {
            float old = ReadFloats(existing)[0];
            g.Initializer.Remove(existing);
            g.Initializer.Add(FloatTensor(name, [1], [(float)(old * temperature)]));
            return model;
        }
        var logits = softmax.Input[0];
        g.Initializer.Add(FloatTensor(name, [1], [(float)temperature]));
        int at = g.Node.IndexOf(softmax);
        g.Node.Insert(at, Node("Div", $"{output}_scale", [logits, name], [$"{output}_scaled_logits"]));
        softmax.Input[0] = $"{output}_scaled_logits";
        return model;
    }

    /// <summary>The temperature baked into a head graph for an output (1 where there is none).</summary>
    public static double Temperature(ModelProto model, string output) =>
        model.Graph.Initializer.FirstOrDefault(t => t.Name == TemperatureName(output)) is { } t ? ReadFloats(t)[0] : 1;

    /// <summary>What the graph needs to compute an output's logits: z = (x - mean) * invStd, logits = W z + b.</summary>
    public static (float[] Mean, float[] InvStd, float[] Weights, float[] Bias) Linear(ModelProto model, string output)
    {
        float[] Get(string n) => ReadFloats(model.Graph.Initializer.Single(t => t.Name == n));
        return (Get("feature_mean"), Get("feature_inv_std"), Get($"{output}_W"), Get($"{output}_b"));
    }

    private static float[] ReadFloats(TensorProto t) =>
        t.RawData.Length > 0 ? System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray() : [.. t.FloatData];

    private static ModelProto AddDistance(ModelProto model, HeadParameters head)
    {
        var g = model.Graph;
        int d = head.FeatureSize;

        // Root-mean-square distance to the nearest class centroid: |z|^2 - 2 z.c + |c|^2, per feature.
        int k = head.CentroidCount;
        var centroidNorms = new float[k];
        for (int i = 0; i < k; i++)
            for (int j = 0; j < d; j++) centroidNorms[i] += head.Centroids[i * d + j] * head.Centroids[i * d + j];
        g.Initializer.Add(FloatTensor("centroids", [k, d], head.Centroids));
        g.Initializer.Add(FloatTensor("centroid_norms", [k], centroidNorms));
        g.Initializer.Add(FloatTensor("inv_feature_count", [1], [1f / d]));
        g.Node.Add(Node("ReduceSumSquare", "z_norm", ["z"], ["z_norm2"], Ints("axes", 1), Int("keepdims", 1)));
        g.Node.Add(Node("Gemm", "cross", ["z", "centroids", "centroid_norms"], ["cross_plus_norm"], Int("transB", 1), Float("alpha", -2f)));
        g.Node.Add(Node("Add", "sq_dist", ["cross_plus_norm", "z_norm2"], ["sq_dist_raw"]));
        g.Node.Add(Node("Relu", "clamp", ["sq_dist_raw"], ["sq_dist"]));
        g.Node.Add(Node("ReduceMin", "nearest", ["sq_dist"], ["nearest_sq"], Ints("axes", 1), Int("keepdims", 1)));
        g.Node.Add(Node("Mul", "per_feature", ["nearest_sq", "inv_feature_count"], ["mean_sq"]));
        g.Node.Add(Node("Sqrt", "rms", ["mean_sq"], [HeadParameters.DistanceOutput]));
        g.Output.Add(FloatValue(HeadParameters.DistanceOutput, "batch", null, 1));
        return model;
    }
}
