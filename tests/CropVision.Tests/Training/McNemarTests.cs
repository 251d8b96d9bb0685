using CropVision.Learning.Comparison;

namespace CropVision.Tests.Training;

[Trait("Category", "Fast")]
public class McNemarTests
{
    /// <summary>Two-sided exact p-values worked out by hand: 2 * sum_{i<=min(b,c)} C(b+c, i) / 2^(b+c), capped at 1.</summary>
    [Theory]
    [InlineData(0, 0, 1.0)]
    [InlineData(1, 0, 1.0)]
    [InlineData(10, 0, 0.001953125)]          // 2 / 1024
    [InlineData(2, 8, 0.109375)]              // 2 * (1 + 10 + 45) / 1024
    [InlineData(3, 15, 0.007537841796875)]    // 2 * (1 + 18 + 153 + 816) / 262144
    [InlineData(5, 5, 1.0)]
    [InlineData(150, 200, 0.008720036530555949)]
    [InlineData(1000, 1100, 0.030720707864242296)] // large counts: no underflow
    public void Exact_p_values_match_known_tables(int onlyA, int onlyB, double expected)
    {
        Assert.Equal(expected, McNemar.Test(onlyA, onlyB).PValue, 1e-9);
        Assert.Equal(expected, McNemar.Test(onlyB, onlyA).PValue, 1e-9); // symmetric
    }

    [Fact]
    public void Negative_counts_are_refused() => Assert.Throws<ArgumentOutOfRangeException>(() => McNemar.Test(-1, 3));
}
