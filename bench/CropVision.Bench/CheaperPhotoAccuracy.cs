using CropVision.Core.Inference;
using CropVision.Core.Models;
using CropVision.Learning.Evaluation;
using CropVision.Learning.Heads;

namespace CropVision.Bench;

/// <summary>Val accuracy of one inference variant, by the code <c>cropvision evaluate</c> runs (ModelScoring, EvaluationReport).</summary>
public static class CheaperPhotoAccuracy
{
    public sealed record Row(double Accuracy, double? WholeLeaves, double? CloseUps, double? FlowersRejected, double? LeavesRejected, double PassesPerPhoto);

    public static Row Evaluate(string versionFolder, CheaperPhotoBenchmark.Variant variant, TextWriter log)
    {
        var datasets = Path.GetDirectoryName(BenchInputs.BracolFolder() ?? throw new InvalidOperationException("The datasets are not beside the checkout."))!;
        var sources = ModelScoring.Load(
            [new DirectoryInfo(Path.Combine(datasets, "bracol-leaf")), new DirectoryInfo(Path.Combine(datasets, "bracol-symptom"))],
            [new DirectoryInfo(Path.Combine(datasets, "not-leaf"))]);
        using var model = CropModel.Load(versionFolder, Backbone.Load(), variant.Session with { UseCuda = false }, variant.Inference ?? new InferenceSpec());
        var (scored, skipped) = ModelScoring.Score(model, sources, CropVision.Learning.Data.Split.Val, new SilentProgress(), CancellationToken.None);
        var r = EvaluationReport.Build(model.Manifest, "variant", datasets, "val", scored, skipped);
        double? Group(string name) => r.Groups.FirstOrDefault(g => g.Name == name)?.Accuracy;
        var row = new Row(r.Accuracy, Group("framing wide (whole leaf)"), Group("framing close-up"), r.NotLeafRejectedRate, r.RejectedRate, model.PassesPerImage);
        log.WriteLine($"  {variant.Name}: val accuracy {row.Accuracy:P2} (whole leaves {row.WholeLeaves:P2}, close-ups {row.CloseUps:P2}), flowers rejected {row.FlowersRejected:P1}, leaves rejected {row.LeavesRejected:P2}, {row.PassesPerPhoto:F2} passes/photo");
        return row;
    }
}
