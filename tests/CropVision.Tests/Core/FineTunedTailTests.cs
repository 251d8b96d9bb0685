using CropVision.Core.Models;
using CropVision.Core.Preprocessing;
using CropVision.Tests.Support;

namespace CropVision.Tests.Core;

/// <summary>The fine-tuned tail file: int8 changes added to the NuGet backbone, refused when it names another backbone.</summary>
[Trait("Category", "Fast")]
public class FineTunedTailTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly Lazy<Backbone> SharedBackbone = new(() => Backbone.Load());

    [Fact]
    public void Tail_weights_come_back_within_the_int8_rounding_of_their_change_and_only_those_initializers_change()
    {
        var backbone = SharedBackbone.Value;
        var edited = backbone.Model.Clone();
        var name = edited.Graph.Initializer.First(i => i.Dims.Count == 4 && i.Dims[0] == 512).Name;
        int at = edited.Graph.Initializer.ToList().FindIndex(i => i.Name == name);
        var original = OnnxBuilder.ReadFloats(edited.Graph.Initializer[at]);
        var rng = new Random(3);
        var values = original.Select(v => v + (float)(rng.NextDouble() - 0.5) * 0.02f).ToArray();
        edited.Graph.Initializer[at] = OnnxBuilder.FloatTensor(name, [.. edited.Graph.Initializer[at].Dims], values);
        using var temp = new TempFolder();
        var parts = FineTunedTail.Write(temp.Path, backbone.Model.Graph, edited.Graph, [name], backbone.Sha256());
        Assert.Equal([FineTunedTail.PartFileName(1)], parts);
        var path = temp.Sub(parts[0]);

        var tuned = FineTunedTail.Apply(backbone, [path]);
        var read = OnnxBuilder.ReadFloats(tuned.Model.Graph.Initializer.Single(i => i.Name == name));
        Assert.Equal(values.Length, read.Length);
        // Changes up to 0.01 in int8 per channel: within half a step (0.01 / 127 / 2) plus float rounding.
        float worst = 0;
        for (int i = 0; i < values.Length; i++) worst = MathF.Max(worst, MathF.Abs(values[i] - read[i]));
        Assert.InRange(worst, 0f, 0.01f / 127 / 2 + 1e-6f);
        Assert.Equal(1, FineTunedTail.Count([path]));
        // Everything else is the backbone's own, and the backbone itself is left as it was.
        var other = backbone.Model.Graph.Initializer.First(i => i.Name != name).Name;
        Assert.Equal(OnnxBuilder.ReadFloats(backbone.Model.Graph.Initializer.Single(i => i.Name == other)), OnnxBuilder.ReadFloats(tuned.Model.Graph.Initializer.Single(i => i.Name == other)));
        Assert.NotEqual(read, OnnxBuilder.ReadFloats(backbone.Model.Graph.Initializer.Single(i => i.Name == name)));
        Assert.Equal(backbone.Sha256(), tuned.Sha256());
    }

    [Fact]
    public void A_version_whose_tail_was_trained_from_another_backbone_is_refused()
    {
        var backbone = SharedBackbone.Value;
        using var temp = new TempFolder();
        var folder = ModelFixtures.WriteVersion(temp.Sub("1"), backbone, ["layer4"], new PreprocessingSpec(), TestHeads.RandomHead(512),
            m => m with { Backbone = m.Backbone with { FineTunedTail = [FineTunedTail.PartFileName(1)] } });
        var name = backbone.Model.Graph.Initializer[0].Name;
        FineTunedTail.Write(folder, backbone.Model.Graph, backbone.Model.Graph, [name], new string('0', 64));
        var e = Assert.Throws<InvalidDataException>(() => ModelPackage.Load(folder, backbone));
        Assert.Contains("SHA-256", e.Message);
        Assert.Contains(new string('0', 64), e.Message);
    }

    [Fact]
    public void An_int8_version_of_a_fine_tuned_tail_runs_the_tuned_weights()
    {
        var backbone = SharedBackbone.Value;
        // A large, easily seen change: the last convolution of layer4 scaled by 1.5.
        var edited = backbone.Model.Clone();
        var lastConv = edited.Graph.Node.Last(n => n.OpType == "Conv").Input[1];
        int at = edited.Graph.Initializer.ToList().FindIndex(i => i.Name == lastConv);
        var weights = OnnxBuilder.ReadFloats(edited.Graph.Initializer[at]).Select(v => v * 1.5f).ToArray();
        edited.Graph.Initializer[at] = OnnxBuilder.FloatTensor(lastConv, [.. edited.Graph.Initializer[at].Dims], weights);

        using var temp = new TempFolder();
        var spec = new PreprocessingSpec { Flips = [Flip.None] };
        var head = TestHeads.RandomHead(512);
        var tuned = ModelFixtures.WriteVersion(temp.Sub("tuned"), backbone, ["layer4"], spec, head,
            m => m with { Backbone = m.Backbone with { FineTunedTail = [FineTunedTail.PartFileName(1)] } });
        FineTunedTail.Write(tuned, backbone.Model.Graph, edited.Graph, [lastConv], backbone.Sha256());
        var plain = ModelFixtures.WriteVersion(temp.Sub("plain"), backbone, ["layer4"], spec, head);

        // Calibrated on the version's own backbone, as quantize and optimize do.
        var data = SyntheticDataset.Write(temp.Sub("data"), perClass: 2);
        var photos = Directory.GetFiles(data, "*.jpg", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        foreach (var folder in new[] { tuned, plain })
        {
            var manifest = ModelManifest.Read(folder);
            global::CropVision.Core.Models.Quantization.Int8Calibrator.Calibrate(ModelPackage.BackboneFor(folder, manifest, backbone),
                photos.Select(p => ImagePreprocessor.Preprocess(File.ReadAllBytes(p), spec)), spec.ViewCount, null, "synthetic", reduceRange: false)
                .Write(Path.Combine(folder, "int8-calibration.json"));
            (manifest with { Inference = new InferenceSpec { Int8Calibration = "int8-calibration.json" } }).Write(folder);
        }

        using var int8 = global::CropVision.Core.Inference.CropModel.Load(tuned, backbone);
        using var fp32 = global::CropVision.Core.Inference.CropModel.Load(tuned, backbone, inference: new InferenceSpec());
        using var untuned = global::CropVision.Core.Inference.CropModel.Load(plain, backbone, inference: new InferenceSpec());
        using var untunedInt8 = global::CropVision.Core.Inference.CropModel.Load(plain, backbone);
        double toTuned = 0, toUntuned = 0, plainError = 0;
        foreach (var photo in photos)
        {
            var bytes = File.ReadAllBytes(photo);
            var q = int8.Predict(bytes).Features;
            toTuned += Distance(q, fp32.Predict(bytes).Features);
            var reference = untuned.Predict(bytes).Features;
            toUntuned += Distance(q, reference);
            plainError += Distance(untunedInt8.Predict(bytes).Features, reference);
        }
        // The int8 graph of the fine-tuned version is as close to its fp32 graph as the NuGet one's int8 is to its own,
        // and far from the NuGet weights: the tuned weights are what int8 runs.
        var seen = $"int8 features: distance {toTuned:F2} to the fine-tuned fp32 model, {toUntuned:F2} to the NuGet one; NuGet int8 to NuGet fp32 {plainError:F2}";
        output.WriteLine(seen);
        Assert.True(toTuned < 2 * plainError, seen);
        Assert.True(toTuned * 2 < toUntuned, seen);
    }

    private static double Distance(float[] a, float[] b) => Math.Sqrt(a.Zip(b, (x, y) => (double)(x - y) * (x - y)).Sum());

    [Fact]
    public void A_version_naming_a_missing_tail_file_is_refused()
    {
        var backbone = SharedBackbone.Value;
        using var temp = new TempFolder();
        var folder = ModelFixtures.WriteVersion(temp.Sub("1"), backbone, ["layer4"], new PreprocessingSpec(), TestHeads.RandomHead(512),
            m => m with { Backbone = m.Backbone with { FineTunedTail = [FineTunedTail.PartFileName(1)] } });
        var e = Assert.Throws<InvalidDataException>(() => ModelPackage.Load(folder, backbone));
        Assert.Contains("missing", e.Message);
        Assert.Contains(FineTunedTail.PartFileName(1), e.Message);
    }
}
