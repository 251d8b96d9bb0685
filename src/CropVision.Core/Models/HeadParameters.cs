namespace CropVision.Core.Models;

/// <summary>A linear classifier over standardized features: logits = W z + b, z = (features - mean) * invStd.</summary>
/// <remarks>
/// <see cref="Temperature"/> divides a softmax output's logits before the softmax (temperature scaling, fitted on val);
/// 1 leaves the graph as it was.
/// </remarks>
public sealed record LinearOutput(string Name, string Activation, IReadOnlyList<string> Labels, float[] Weights, float[] Bias, double Temperature = 1)
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
