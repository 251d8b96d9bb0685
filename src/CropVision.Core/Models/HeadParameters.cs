namespace CropVision.Core.Models;

/// <summary>A linear classifier over standardized features: logits = W z + b, z = (features - mean) * invStd.</summary>
public sealed record LinearOutput(string Name, string Activation, IReadOnlyList<string> Labels, float[] Weights, float[] Bias)
{
    public const string Softmax = "softmax";
    public const string Sigmoid = "sigmoid";
}

/// <summary>
/// Everything the head needs: feature standardization, one linear output per task, and class centroids (in standardized
/// space) for the out-of-distribution distance used to reject photos that are not leaves of this crop.
/// </summary>
public sealed record HeadParameters(int FeatureSize, float[] FeatureMean, float[] FeatureInvStd, IReadOnlyList<LinearOutput> Outputs, float[] Centroids)
{
    public const string InputName = "features";
    public const string DistanceOutput = "ood_distance";
    public int CentroidCount => Centroids.Length / FeatureSize;
}
