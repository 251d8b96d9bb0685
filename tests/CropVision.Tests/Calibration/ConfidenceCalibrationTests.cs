using CropVision.Core.Inference;
using CropVision.Core.Models;
using CropVision.Learning.Calibration;
using Google.Protobuf;

namespace CropVision.Tests.Calibration;

/// <summary>Temperature scaling and the accuracy-target threshold search, on sets whose answer is known.</summary>
[Trait("Category", "Fast")]
public class ConfidenceCalibrationTests
{
    [Fact]
    public void Threshold_search_meets_the_target_at_the_largest_coverage()
    {
        // 100 answers, top = 0.01 .. 1.00; the 60 most confident are right except every 10th of them (54/60 = 90%),
        // the 40 least confident are all wrong, so the target 0.9 is met at exactly the top 60 and no lower.
        var answers = Enumerable.Range(1, 100).Select(i => (Top: i / 100.0, Right: i > 40 && i % 10 != 5)).ToList();
        var c = ConfidenceCalibration.Threshold(answers, 0.90, 0.1);
        Assert.True(c.Met);
        Assert.Equal(0.41, c.Threshold, 6);
        Assert.Equal(0.60, c.Coverage, 6);
        Assert.True(c.Accuracy >= 0.90);
        // One answer more (threshold 0.40) falls below the target.
        var (below, _) = ConfidenceCalibration.At(answers, 0.40);
        Assert.True(below < 0.90);
    }

    [Fact]
    public void Threshold_search_keeps_the_coverage_floor_and_says_the_target_is_unmet()
    {
        // Right half the time at every confidence: 0.9 is met only by a lucky tail, never above the 30% floor.
        var answers = Enumerable.Range(1, 100).Select(i => (Top: i / 100.0, Right: i % 2 == 0)).ToList();
        var c = ConfidenceCalibration.Threshold(answers, 0.90, 0.30);
        Assert.False(c.Met);
        Assert.Equal(0.30, c.Coverage, 6);
        Assert.Equal(0.71, c.Threshold, 6);
    }

    [Fact]
    public void Fitted_temperature_recovers_the_one_the_labels_were_drawn_at()
    {
        // Labels drawn from softmax(logits / 2.5): the NLL minimum is near T = 2.5.
        var random = new Random(7);
        var images = new List<IReadOnlyList<float[]>>();
        var labels = new List<int>();
        for (int i = 0; i < 4000; i++)
        {
            var l = Enumerable.Range(0, 4).Select(_ => (float)(random.NextDouble() * 12 - 6)).ToArray();
            var p = ConfidenceCalibration.Softmax(l, 2.5);
            double u = random.NextDouble(), acc = 0;
            int y = 0;
            while (y < 3 && (acc += p[y]) < u) y++;
            images.Add([l]);
            labels.Add(y);
        }
        double t = ConfidenceCalibration.FitTemperature(images, labels);
        Assert.InRange(t, 2.2, 2.8);
        Assert.True(ConfidenceCalibration.Nll(images, labels, t) < ConfidenceCalibration.Nll(images, labels, 1));
    }

    [Fact]
    public void Temperature_baked_into_the_head_graph_gives_softmax_of_logits_over_T()
    {
        const int d = 6, k = 3;
        var random = new Random(3);
        float[] R(int n, double scale) => [.. Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() - 0.5) * scale))];
        var stress = new LinearOutput("stress", LinearOutput.Softmax, ["a", "b", "c"], R(k * d, 4), R(k, 1));
        var head = new HeadParameters(d, R(d, 1), [.. Enumerable.Repeat(1.5f, d)], [stress], R(2 * d, 1));
        var rows = Enumerable.Range(0, 5).Select(_ => R(d, 6)).ToArray();
        var input = rows.SelectMany(r => r).ToArray();

        float[] Run(Onnx.ModelProto g)
        {
            using var m = new OnnxModel(g.ToByteArray());
            return m.Run(input, [rows.Length, d])["stress"];
        }
        const double t = 1.7;
        var built = Run(HeadGraph.Build(head with { Outputs = [stress with { Temperature = t }] }));
        var patched = Run(HeadGraph.WithTemperature(HeadGraph.Build(head), "stress", t));
        var plain = HeadGraph.Build(head);
        Assert.Equal(1, HeadGraph.Temperature(plain, "stress"));
        var logits = UncertainFit.Logits(plain, "stress", new Learning.Heads.TrainingExamples { Rows = rows, ImageOf = [0, 1, 2, 3, 4], Images = [.. Enumerable.Range(0, 5).Select(i => new Learning.Data.LabelledImage($"{i}.jpg", "a", Learning.Data.Split.Val, null, null))], Flips = 1 });
        for (int r = 0; r < rows.Length; r++)
        {
            var expected = ConfidenceCalibration.Softmax(logits[r][0], t);
            for (int c = 0; c < k; c++)
            {
                Assert.Equal(expected[c], built[r * k + c], 5);
                Assert.Equal(expected[c], patched[r * k + c], 5);
            }
        }
        // Logits / T changes the probabilities (the test would notice a graph that ignored T).
        Assert.NotEqual(ConfidenceCalibration.Softmax(logits[0][0], 1)[0], built[0], 3);
    }
}
