using CropVision.Core.Inference;
using CropVision.Core.Models;
using CropVision.Core.Preprocessing;

namespace CropVision.Tests.Core;

/// <summary>The leaf output's two thresholds: below the lower one "rejected", between them "uncertain" (perhaps another crop's leaf).</summary>
[Trait("Category", "Fast")]
public sealed class OtherCropBandTests
{
    private static ModelManifest Manifest(double? uncertainBelow) => new()
    {
        Crop = "coffee", Version = 1, CreatedUtc = DateTimeOffset.UnixEpoch, PrimaryOutput = "stress",
        Tasks = [new TaskSpec { Output = "stress", Kind = "softmax", Labels = ["healthy", "rust"] }],
        Backbone = new BackboneSpec { File = "b.onnx", Sha256 = "x", Package = "p", Layers = ["layer4"], FeatureSize = 512 },
        Preprocessing = new PreprocessingSpec(),
        Calibration = new CalibrationSpec { UncertainBelow = 0.5, RejectAbove = 10, Method = "test", LeafOutput = "is_leaf", LeafBelow = 0.3, LeafUncertainBelow = uncertainBelow },
        Training = new TrainingInfo { DataFolder = "d", DataFingerprint = "f", ImagesPerSplit = new Dictionary<string, int>(), ImagesPerClass = new Dictionary<string, int>(), Hyperparameters = new Dictionary<string, double>(), Selection = "", Seed = 1, Seconds = 0 },
    };

    private static ModelOutput Output(float leaf) => new(new Dictionary<string, float[]> { ["stress"] = [0.05f, 0.95f], ["is_leaf"] = [leaf] }, 1, []);

    [Theory]
    [InlineData(0.2f, PredictionStatus.Rejected)]
    [InlineData(0.5f, PredictionStatus.Uncertain)]
    [InlineData(0.8f, PredictionStatus.Ok)]
    public void A_confident_answer_in_the_band_is_uncertain(float leaf, PredictionStatus expected) =>
        Assert.Equal(expected, Verdict.Decide(Output(leaf), Manifest(0.7), Framing.Wide));

    [Fact]
    public void Without_the_band_only_rejection_applies() =>
        Assert.Equal(PredictionStatus.Ok, Verdict.Decide(Output(0.5f), Manifest(null), Framing.Wide));
}
