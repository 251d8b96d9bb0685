using CropVision.FineTuning.Severity;

namespace CropVision.Tests.FineTuning;

/// <summary>The lesion-area grade's cut points: ascending, fitted so the most train leaves are right.</summary>
[Trait("Category", "Fast")]
public sealed class LesionAreaCutPointTests
{
    [Fact]
    public void Separable_shares_get_cut_points_between_the_grades()
    {
        var train = new List<(double, int)> { (0.0, 0), (0.01, 0), (0.1, 1), (0.12, 1), (0.3, 2), (0.35, 2), (0.6, 3), (0.9, 4) };
        var cuts = LesionArea.FitCutPoints(train, 5);
        Assert.Equal([0.055, 0.21, 0.475, 0.75], cuts.Select(c => Math.Round(c, 3)));
        Assert.All(train, t => Assert.Equal(t.Item2, cuts.Count(c => t.Item1 >= c)));
    }

    [Fact]
    public void Overlapping_shares_keep_the_cut_points_ascending_and_get_the_most_right()
    {
        // Grade 1 at 0.2 sits among grade-2 leaves: one of them must be wrong whatever the cuts.
        var train = new List<(double, int)> { (0.0, 0), (0.1, 1), (0.15, 2), (0.2, 1), (0.25, 2), (0.3, 2) };
        var cuts = LesionArea.FitCutPoints(train, 3);
        Assert.True(cuts[0] <= cuts[1]);
        Assert.Equal(5, train.Count(t => t.Item2 == cuts.Count(c => t.Item1 >= c)));
        // A grade no leaf reaches gets a cut no share reaches.
        Assert.Equal(double.PositiveInfinity, LesionArea.FitCutPoints([(0.0, 0), (0.5, 1)], 4)[2]);
    }
}

/// <summary>The lesion-area measure end to end on a few BRACOL leaves against the served model's severity head.</summary>
[Trait("Category", "Training")]
public sealed class LesionAreaMeasureTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [CropVision.Tests.Support.BracolFact]
    public void Grades_from_the_lesion_share_are_fitted_on_train_and_scored_on_val_beside_the_head()
    {
        using var temp = new CropVision.Tests.Support.TempFolder();
        // Four train and two val leaves of each class, with their labels.csv rows.
        var root = temp.Sub("bracol-small");
        var rows = File.ReadLines(Path.Combine(CropVision.Tests.Support.SharedData.Bracol, "labels.csv")).ToList();
        var picked = rows.Skip(1).Select(l => l.Split(',')).GroupBy(c => (c[1], c[^1])).Where(g => g.Key.Item2 is "train" or "val")
            .SelectMany(g => g.Take(g.Key.Item2 == "train" ? 4 : 2)).ToList();
        foreach (var c in picked)
        {
            Directory.CreateDirectory(Path.Combine(root, c[1]));
            File.Copy(Path.Combine(CropVision.Tests.Support.SharedData.Bracol, c[1], c[0]), Path.Combine(root, c[1], c[0]));
        }
        File.WriteAllLines(Path.Combine(root, "labels.csv"), [rows[0], .. picked.Select(c => string.Join(',', c))]);
        var version = CropVision.Core.Models.ModelRepository.ResolveVersionFolder(Path.Combine(CropVision.Tests.Support.SharedData.RepositoryRoot, "models", "coffee"));

        var r = LesionArea.Measure(version, root, temp.Sub("cache"), seed: 42, threads: 1, output.WriteLine);
        output.WriteLine($"val: lesion area {r.ValAccuracy:P0}, head {r.HeadValAccuracy:P0}; cut points {string.Join(", ", r.CutPoints)}");
        Assert.Equal((20, 10), (r.TrainLeaves, r.ValLeaves));
        Assert.Equal(4, r.CutPoints.Length);
        Assert.True(r.CutPoints.Zip(r.CutPoints.Skip(1)).All(p => p.First <= p.Second), "cut points ascend");
        Assert.InRange(r.ValAccuracy, 0, 1);
        Assert.InRange(r.HeadValAccuracy, 0, 1);
        // Healthy leaves (grade 0) show less diseased area than diseased leaves on average.
        var shares = r.ValSharePerGrade.ToDictionary(g => g.Grade, g => g.MeanShare);
        Assert.True(shares[0] < shares.Where(kv => kv.Key > 0).Average(kv => kv.Value), string.Join(", ", shares));
    }
}
