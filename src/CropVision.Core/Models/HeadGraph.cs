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

        return NewModel(g, "CropVision head: standardized features to task probabilities and an out-of-distribution distance.");
    }
}
