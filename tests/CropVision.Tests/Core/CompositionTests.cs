using CropVision.Core.Inference;
using CropVision.Core.Models;
using CropVision.Core.Preprocessing;
using CropVision.Tests.Support;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using SkiaSharp;

namespace CropVision.Tests.Core;

[Trait("Category", "Fast")]
public class CompositionTests
{
    private static readonly Lazy<Backbone> SharedBackbone = new(() => Backbone.Load());
    private static readonly string[] Layers = ["layer3", "layer4max"];
    private static readonly PreprocessingSpec Spec = new() { Flips = [Flip.None, Flip.Both] };

    private static float[] ImageTensor(int seed) =>
        ImagePreprocessor.Preprocess(TestImages.Leaf(seed, new SKColor(150, 90, 20), 6), Spec);

    [Fact]
    public void Composed_graph_equals_backbone_then_head_computed_apart()
    {
        var backbone = SharedBackbone.Value;
        int d = Backbone.FeatureSize(Layers);
        var head = TestHeads.RandomHead(d);
        var headModel = HeadGraph.Build(head);
        var composed = GraphComposer.BuildComposed(backbone, Layers, headModel, Spec, []);
        using var composedSession = new OnnxModel(composed.ToByteArray());
        using var featurizer = new OnnxModel(GraphComposer.BuildFeaturizer(backbone, Layers).ToByteArray());
        using var headSession = new OnnxModel(headModel.ToByteArray());

        var images = new[] { ImageTensor(1), ImageTensor(2) };
        var batch = images.SelectMany(t => t).ToArray();
        var together = composedSession.Run(batch, [2, Spec.ViewCount, 3, 224, 224]);

        for (int i = 0; i < 2; i++)
        {
            // Apart: per-view features, mean over tiles per flip, head per flip, mean over flips.
            var views = featurizer.Run(images[i], [Spec.ViewCount, 3, 224, 224])[GraphComposer.FeaturesOutput];
            int flips = Spec.Flips.Count, tiles = Spec.TileCount;
            var perFlip = new float[flips * d];
            for (int f = 0; f < flips; f++)
                for (int t = 0; t < tiles; t++)
                    for (int j = 0; j < d; j++) perFlip[f * d + j] += views[(f * tiles + t) * d + j] / tiles;
            var apart = headSession.Run(perFlip, [flips, d]);
            foreach (var (name, width) in new[] { ("stress", 3), ("stress_flags", 2), (HeadParameters.DistanceOutput, 1) })
                for (int c = 0; c < width; c++)
                {
                    float expected = Enumerable.Range(0, flips).Average(f => apart[name][f * width + c]);
                    Assert.Equal(expected, together[name][i * width + c], 4);
                }
        }
    }

    [Fact]
    public void Featurizer_runs_any_batch_size_with_identical_outputs()
    {
        using var featurizer = new OnnxModel(GraphComposer.BuildFeaturizer(SharedBackbone.Value, ["layer4"]).ToByteArray());
        var tensor = ImageTensor(3);
        var all = featurizer.Run(tensor, [Spec.ViewCount, 3, 224, 224])[GraphComposer.FeaturesOutput];
        var first = featurizer.Run(tensor[..Spec.FloatsPerView], [1, 3, 224, 224])[GraphComposer.FeaturesOutput];
        Assert.Equal(Spec.ViewCount * 512, all.Length);
        for (int j = 0; j < 512; j++) Assert.Equal(first[j], all[j], 4);
    }

    [Fact]
    public void Exported_model_runs_in_stock_onnx_runtime_with_the_same_probabilities()
    {
        using var folder = new TempFolder();
        var version = ModelFixtures.WriteVersion(folder.Sub("coffee", "1"), SharedBackbone.Value, Layers, Spec, TestHeads.RandomHead(Backbone.FeatureSize(Layers)));
        var package = ModelPackage.Load(version, SharedBackbone.Value);
        var file = folder.Sub("exported.onnx");
        File.WriteAllBytes(file, package.ToBytes());

        var bytes = TestImages.Leaf(9, new SKColor(200, 120, 30), 9);
        using var ours = new CropModel(package);
        var expected = ours.Predict(bytes);

        // Stock ONNX Runtime, default options, the file from disk; only the documented input layout is used.
        using var session = new InferenceSession(file);
        var meta = session.ModelMetadata.CustomMetadataMap;
        Assert.Contains("cropvision.input", meta.Keys);
        Assert.Equal("[\"a\",\"b\",\"c\"]", meta["cropvision.labels.stress"]);
        var input = ImagePreprocessor.Preprocess(bytes, Spec);
        using var value = OrtValue.CreateTensorValueFromMemory(input, [1, Spec.ViewCount, 3, 224, 224]);
        using var results = session.Run(new RunOptions(), ["image"], [value], ["stress", "stress_flags"]);
        var stress = results[0].GetTensorDataAsSpan<float>().ToArray();
        for (int c = 0; c < 3; c++) Assert.Equal(expected.Probabilities["stress"][c], stress[c], 4);
        Assert.Equal(1f, stress.Sum(), 4);
    }

    [Fact]
    public void A_model_trained_on_another_backbone_is_refused()
    {
        using var folder = new TempFolder();
        var version = ModelFixtures.WriteVersion(folder.Sub("coffee", "1"), SharedBackbone.Value, Layers, Spec, TestHeads.RandomHead(Backbone.FeatureSize(Layers)),
            m => m with { Backbone = m.Backbone with { Sha256 = new string('0', 64) } });
        var e = Assert.Throws<InvalidDataException>(() => ModelPackage.Load(version, SharedBackbone.Value));
        Assert.Contains("SHA-256", e.Message);
    }
}
