using CropVision.Core.Models;

namespace CropVision.Tests.Support;

/// <summary>Heads made up for tests about graph plumbing.</summary>
public static class TestHeads
{
    /// <summary>A head with random weights: the test is about plumbing, so any numbers will do as long as they are fixed.</summary>
    public static HeadParameters RandomHead(int d, int seed = 7)
    {
        var rng = new Random(seed);
        float[] R(int n, double scale) => [.. Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() - 0.5) * scale))];
        return new HeadParameters(d, R(d, 1), [.. R(d, 1).Select(v => 0.5f + Math.Abs(v))],
            [
                new LinearOutput("stress", LinearOutput.Softmax, ["a", "b", "c"], R(3 * d, 0.2), R(3, 1)),
                new LinearOutput("stress_flags", LinearOutput.Sigmoid, ["x", "y"], R(2 * d, 0.2), R(2, 1)),
            ], R(3 * d, 2));
    }
}
