using CropVision.Learning.Comparison;
using CropVision.Learning.Evaluation;

namespace CropVision.Tests.Training;

/// <summary>The gate's rule on comparisons made by hand (the end-to-end test runs it on real models).</summary>
[Trait("Category", "Fast")]
public class PromotionGateTests
{
    private static ModelComparison Comparison(int leaves, int onlyA, int onlyB, int rejectedA, int rejectedB) => new()
    {
        ModelA = "coffee/1", ModelB = "coffee/2", Data = "gate", Split = "all", A = null!, B = null!,
        Paired = new PairedGroup("all leaves", leaves, 0.8, 0.8, rejectedA / (double)leaves, rejectedB / (double)leaves, McNemar.Test(onlyA, onlyB)),
        PairedBySource = [], DisagreementCount = onlyA + onlyB, Disagreements = [],
    };

    [Fact]
    public void Worse_beyond_chance_is_refused_and_worse_within_chance_is_not()
    {
        var (accepted, reason) = PromotionGate.Decide(Comparison(100, onlyA: 12, onlyB: 2, 1, 1), 0.05);
        Assert.False(accepted);
        Assert.Contains("beyond chance", reason);
        Assert.True(PromotionGate.Decide(Comparison(100, onlyA: 5, onlyB: 3, 1, 1), 0.05).Accepted); // p = 0.73
        Assert.True(PromotionGate.Decide(Comparison(100, onlyA: 2, onlyB: 12, 1, 1), 0.05).Accepted);
    }

    [Fact]
    public void Rejecting_more_leaves_is_refused_even_when_more_are_right()
    {
        var (accepted, reason) = PromotionGate.Decide(Comparison(100, onlyA: 0, onlyB: 10, rejectedA: 1, rejectedB: 2), 0.05);
        Assert.False(accepted);
        Assert.Contains("rejects more leaves", reason);
        Assert.False(PromotionGate.Decide(Comparison(0, 0, 0, 0, 0), 0.05).Accepted); // nothing to judge on
    }
}
