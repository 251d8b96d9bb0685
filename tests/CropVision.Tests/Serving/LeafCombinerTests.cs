using CropVision.Core.Inference;
using CropVision.Core.Models;
using CropVision.Core.Preprocessing;
using CropVision.Serving.Predictions;
using CropVision.Tests.Support;

namespace CropVision.Tests.Serving;

/// <summary>The rule that turns several leaves into one answer (issue 17, item 3), on the committed coffee/3 manifest's thresholds.</summary>
[Trait("Category", "Fast")]
public class LeafCombinerTests
{
    private static readonly ModelManifest Manifest = ModelManifest.Read(Path.Combine(ServiceFactory.CommittedModels, "coffee", "3"));
    // stress labels: cercospora, healthy, miner, phoma, rust; severity 0..4; flags: miner, rust, phoma, cercospora.
    private const int Rust = 4, Healthy = 1, Phoma = 3;

    private static LeafOutput Leaf(float[] stress, int severity = 1, Framing framing = Framing.Wide, PredictionStatus? status = null, float[]? flags = null)
    {
        var sev = new float[5];
        sev[severity] = 0.9f;
        for (int i = 0; i < 5; i++) if (i != severity) sev[i] = 0.025f;
        var output = new ModelOutput(new Dictionary<string, float[]>
        {
            ["stress"] = stress, ["severity"] = sev, ["stress_flags"] = flags ?? [0.1f, 0.1f, 0.1f, 0.1f], ["is_leaf"] = [0.99f],
        }, 0.5f, []);
        return new LeafOutput(output, framing, status ?? Verdict.Decide(output, Manifest, framing));
    }

    private static float[] Probs(params (int Index, float P)[] set)
    {
        var p = new float[5];
        float rest = (1 - set.Sum(s => s.P)) / (5 - set.Length);
        for (int i = 0; i < 5; i++) p[i] = rest;
        foreach (var (i, v) in set) p[i] = v;
        return p;
    }

    [Fact]
    public void Mean_log_probabilities_renormalised()
    {
        var a = Probs((Rust, 0.6f), (Healthy, 0.3f));
        var b = Probs((Rust, 0.8f), (Phoma, 0.1f));
        var combined = LeafCombiner.Combine([Leaf(a), Leaf(b)], Manifest);

        var expected = a.Zip(b, (x, y) => Math.Exp((Math.Log(x) + Math.Log(y)) / 2)).ToArray();
        var sum = expected.Sum();
        for (int i = 0; i < 5; i++) Assert.Equal(expected[i] / sum, combined.Probabilities[i], 5);
        Assert.Equal(1.0, combined.Probabilities.Sum(), 5);
        Assert.Equal(Rust, Array.IndexOf(combined.Probabilities, combined.Probabilities.Max()));
        Assert.Equal([0, 1], combined.Used);
    }

    [Fact]
    public void The_status_uses_the_one_leaf_threshold_and_a_mean_does_not_inflate_certainty()
    {
        // A mean of log-probabilities (not their sum): leaves that agree at 0.45 stay about 0.45, below the wide threshold (0.489).
        var unsure = Probs((Rust, 0.45f), (Phoma, 0.2f));
        Assert.Equal(PredictionStatus.Uncertain, Leaf(unsure).Status);
        var agreeing = LeafCombiner.Combine([Leaf(unsure), Leaf(Probs((Rust, 0.45f), (Healthy, 0.2f))), Leaf(unsure)], Manifest);
        Assert.InRange(agreeing.Probabilities[Rust], 0.44f, 0.48f);
        Assert.Equal(PredictionStatus.Uncertain, agreeing.Status);

        // One unsure leaf and one sure leaf of the same disease: sure together.
        var mixed = LeafCombiner.Combine([Leaf(unsure), Leaf(Probs((Rust, 0.8f)))], Manifest);
        Assert.True(mixed.Probabilities[Rust] >= Manifest.Calibration.UncertainThreshold(Framing.Wide));
        Assert.Equal(PredictionStatus.Ok, mixed.Status);

        // Sure leaves that disagree: uncertain.
        var split = LeafCombiner.Combine([Leaf(Probs((Rust, 0.9f))), Leaf(Probs((Healthy, 0.9f)))], Manifest);
        Assert.Equal(PredictionStatus.Uncertain, split.Status);
    }

    [Fact]
    public void A_rejected_leaf_is_left_out()
    {
        var rust = Leaf(Probs((Rust, 0.7f)));
        var rejected = Leaf(Probs((Healthy, 0.99f)), severity: 4, status: PredictionStatus.Rejected);
        var combined = LeafCombiner.Combine([rejected, rust, rust], Manifest);
        Assert.Equal([1, 2], combined.Used);
        Assert.Equal(LeafCombiner.Combine([rust, rust], Manifest).Probabilities, combined.Probabilities);
        Assert.Equal(PredictionStatus.Ok, combined.Status);
        Assert.Equal(1, combined.SeverityIndex); // the rejected leaf's grade 4 does not count
    }

    [Fact]
    public void All_rejected_is_rejected()
    {
        var combined = LeafCombiner.Combine([
            Leaf(Probs((Rust, 0.99f)), status: PredictionStatus.Rejected),
            Leaf(Probs((Rust, 0.99f)), status: PredictionStatus.Rejected)], Manifest);
        Assert.Equal(PredictionStatus.Rejected, combined.Status);
        Assert.Equal([0, 1], combined.Used);
    }

    [Fact]
    public void Severity_is_the_worst_used_leaf_and_close_ups_have_none()
    {
        var combined = LeafCombiner.Combine([Leaf(Probs((Rust, 0.9f)), severity: 1), Leaf(Probs((Rust, 0.9f)), severity: 3), Leaf(Probs((Rust, 0.9f)), severity: 2)], Manifest);
        Assert.Equal(3, combined.SeverityIndex);

        // coffee/3 learned severity from whole leaves only: close-ups carry none, so only the wide leaf's grade counts.
        var mixed = LeafCombiner.Combine([Leaf(Probs((Rust, 0.9f)), severity: 4, framing: Framing.CloseUp), Leaf(Probs((Rust, 0.9f)), severity: 1)], Manifest);
        Assert.Equal(1, mixed.SeverityIndex);
        var closeUps = LeafCombiner.Combine([Leaf(Probs((Rust, 0.9f)), severity: 4, framing: Framing.CloseUp)], Manifest);
        Assert.Null(closeUps.SeverityIndex);
        Assert.Empty(closeUps.OtherStresses);
    }

    [Fact]
    public void Mixed_framings_use_the_strictest_threshold()
    {
        double wide = Manifest.Calibration.UncertainThreshold(Framing.Wide), close = Manifest.Calibration.UncertainThreshold(Framing.CloseUp);
        Assert.True(close > wide);
        // Combined top about 0.6: sure for whole leaves, not for close-ups (0.739).
        var leaf = Probs((Rust, 0.6f));
        Assert.Equal(PredictionStatus.Ok, LeafCombiner.Combine([Leaf(leaf), Leaf(leaf)], Manifest).Status);
        var mixed = LeafCombiner.Combine([Leaf(leaf), Leaf(leaf, framing: Framing.CloseUp)], Manifest);
        Assert.Equal(Framing.CloseUp, mixed.Framing);
        Assert.Equal(PredictionStatus.Uncertain, mixed.Status);
    }

    [Fact]
    public void Other_stresses_are_the_mean_over_used_leaves()
    {
        var combined = LeafCombiner.Combine([
            Leaf(Probs((Rust, 0.9f)), flags: [0.9f, 0.9f, 0.1f, 0.1f]),
            Leaf(Probs((Rust, 0.9f)), flags: [0.3f, 0.9f, 0.1f, 0.1f])], Manifest);
        Assert.Equal(0.6f, combined.OtherStresses["miner"], 4);
        Assert.Equal(0.9f, combined.OtherStresses["rust"], 4);
    }

    [Fact]
    public void A_zero_probability_does_not_break_the_mean()
    {
        var combined = LeafCombiner.Combine([Leaf([0, 0, 0, 0, 1]), Leaf(Probs((Rust, 0.9f)))], Manifest);
        Assert.All(combined.Probabilities, p => Assert.True(float.IsFinite(p)));
        Assert.Equal(1.0, combined.Probabilities.Sum(), 5);
    }

    [Fact]
    public void Mismatched_sizes_are_refused()
    {
        var ok = Leaf(Probs((Rust, 0.9f)));
        var other = Leaf([0.5f, 0.5f, 0f]); // an output of another model, three classes
        var e = Assert.Throws<ArgumentException>(() => LeafCombiner.Combine([ok, other], Manifest));
        Assert.Contains("Leaf 1", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => LeafCombiner.Combine([], Manifest));
    }
}
