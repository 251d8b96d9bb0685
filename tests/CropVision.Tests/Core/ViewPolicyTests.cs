using CropVision.Core.Models;
using CropVision.Core.Preprocessing;
using CropVision.Learning.Features;
using CropVision.Tests.Support;
using SkiaSharp;

namespace CropVision.Tests.Core;

/// <summary>Views that follow the photo's shape: a close-up is never stretched to the wide 2:1 layout.</summary>
[Trait("Category", "Fast")]
public class ViewPolicyTests
{
    private static readonly PreprocessingSpec ShapeFollowing = new() { Flips = [Flip.None, Flip.Both], CloseUpBelowAspect = 1.5 };

    private static float Pixel(float[] t, PreprocessingSpec spec, int view, int channel, int x, int y) =>
        t[view * spec.FloatsPerView + channel * spec.TileSize * spec.TileSize + y * spec.TileSize + x];

    [Fact]
    public void Framing_is_chosen_from_the_aspect_ratio()
    {
        Assert.Equal(Framing.Wide, ShapeFollowing.FramingOf(512, 256));
        Assert.Equal(Framing.Wide, ShapeFollowing.FramingOf(256, 512));
        Assert.Equal(Framing.CloseUp, ShapeFollowing.FramingOf(128, 128));
        Assert.Equal(Framing.CloseUp, ShapeFollowing.FramingOf(4000, 3000));
        Assert.Equal(Framing.Wide, new PreprocessingSpec().FramingOf(128, 128)); // model 1's spec: every photo wide
    }

    [Fact]
    public void A_square_close_up_is_its_centred_square_not_stretched_and_mirrored_in_odd_tiles()
    {
        // Left half red, right half blue, green band on top: a stretch, a crop or a flip all show.
        using var bmp = TestImages.Paint(300, 240, (x, y) => TestImages.Quadrants(x, y, 300, 240));
        var png = TestImages.Encode(bmp, SKEncodedImageFormat.Png);
        var t = ImagePreprocessor.Preprocess(png, ShapeFollowing, out var framing);
        Assert.Equal(Framing.CloseUp, framing);
        Assert.Equal(ShapeFollowing.FloatsPerImage, t.Length);

        // View 0 is the centred 240x240 square (x 30..270) resized to 224: the red/blue border stays at the middle.
        Assert.True(Pixel(t, ShapeFollowing, 0, 0, 100, 150) > 200 && Pixel(t, ShapeFollowing, 0, 2, 124, 150) > 200);
        Assert.True(Pixel(t, ShapeFollowing, 0, 1, 112, 20) > 150); // green band on top, a quarter of the height
        Assert.True(Pixel(t, ShapeFollowing, 0, 1, 112, 70) < 50);
        // View 1 is view 0 mirrored left-right; views 2 and 3 are those turned upside down (flip Both).
        for (int y = 0; y < 224; y += 37)
            for (int x = 0; x < 224; x += 29)
                for (int c = 0; c < 3; c++)
                {
                    Assert.Equal(Pixel(t, ShapeFollowing, 0, c, x, y), Pixel(t, ShapeFollowing, 1, c, 223 - x, y));
                    Assert.Equal(Pixel(t, ShapeFollowing, 0, c, x, y), Pixel(t, ShapeFollowing, 2, c, 223 - x, 223 - y));
                    Assert.Equal(Pixel(t, ShapeFollowing, 0, c, x, y), Pixel(t, ShapeFollowing, 3, c, x, 223 - y));
                }
    }

    [Fact]
    public void A_wide_leaf_gets_the_same_tiles_as_before()
    {
        var leaf = TestImages.Leaf(3, new SKColor(200, 120, 10), 8);
        var legacy = ImagePreprocessor.Preprocess(leaf, new PreprocessingSpec { Flips = [Flip.None, Flip.Both] });
        var now = ImagePreprocessor.Preprocess(leaf, ShapeFollowing, out var framing);
        Assert.Equal(Framing.Wide, framing);
        Assert.Equal(legacy, now);
    }

    [Fact]
    public void Training_and_serving_get_the_same_tensors_for_both_framings()
    {
        using var tmp = new TempFolder();
        var folder = tmp.Sub("photos");
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, "leaf.jpg"), TestImages.Leaf(4, new SKColor(240, 150, 20), 10));
        File.WriteAllBytes(Path.Combine(folder, "close.jpg"), TestImages.CloseUp(5, new SKColor(60, 30, 10), 4, 150, 140));

        // The spec as a served model reads it back from its manifest.
        var m = ModelFixtures.Manifest(Backbone.Load(), ["layer4"], ShapeFollowing, TestHeads.RandomHead(512));
        m.Write(tmp.Path);
        var served = ModelManifest.Read(tmp.Path).Preprocessing;
        Assert.Equal(ShapeFollowing, served);

        // Training's pipeline (the tensor its featurizer is given) against the serving call.
        var seen = new Dictionary<string, (float[] Tensor, Framing Framing)>();
        string[] files = ["leaf.jpg", "close.jpg"];
        ImagePipeline.Run<string>(folder, files, ShapeFollowing, (_, _) => null,
            (sha, tensor, framing) => { seen[sha] = (tensor, framing); return sha; }, null, CancellationToken.None);
        foreach (var (file, expected) in files.Zip([Framing.Wide, Framing.CloseUp]))
        {
            var bytes = File.ReadAllBytes(Path.Combine(folder, file));
            var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
            var atServing = ImagePreprocessor.Preprocess(bytes, served, out var framing);
            Assert.Equal(expected, framing);
            Assert.Equal(expected, seen[sha].Framing);
            Assert.Equal(expected, ImagePipeline.FramingOf(bytes, served));
            Assert.Equal(atServing, seen[sha].Tensor);
        }
    }

    [Fact]
    public void A_close_up_gets_the_same_probabilities_from_training_serving_and_the_exported_graph()
    {
        using var tmp = new TempFolder();
        var backbone = Backbone.Load();
        string[] layers = ["layer4"];
        var head = TestHeads.RandomHead(512);
        var version = ModelFixtures.WriteVersion(tmp.Sub("coffee", "1"), backbone, layers, ShapeFollowing, head);
        var photos = tmp.Sub("photos");
        Directory.CreateDirectory(photos);
        var bytes = TestImages.CloseUp(11, new SkiaSharp.SKColor(240, 150, 20), 5, 160, 150);
        File.WriteAllBytes(Path.Combine(photos, "close.jpg"), bytes);

        // Serving: the composed model on the service's tensor.
        var package = ModelPackage.Load(version, backbone);
        using var served = new CropVision.Core.Inference.CropModel(package);
        var expected = served.Predict(bytes).Probabilities["stress"];

        // Training: features from the training pipeline, rows as training builds them, the head as training scores it.
        using var extractor = new FeatureExtractor(backbone, layers, ShapeFollowing);
        var (features, _) = extractor.ExtractAll(photos, ["close.jpg"], null);
        Assert.Equal(Framing.CloseUp, features[0].Framing);
        var image = new CropVision.Learning.Data.LabelledImage("close.jpg", "a", CropVision.Learning.Data.Split.Val, null, null);
        var rows = CropVision.Learning.Heads.TrainingExamples.Build([(image, features[0])], ShapeFollowing, 512, [.. Enumerable.Range(0, 512)]);
        var trained = CropVision.Learning.Heads.HeadEvaluator.Run(head, rows)[0].Probabilities["stress"];

        // Export: stock ONNX Runtime on the file.
        var file = tmp.Sub("exported.onnx");
        File.WriteAllBytes(file, package.ToBytes());
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(file);
        var input = ImagePreprocessor.Preprocess(bytes, ShapeFollowing);
        using var value = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(input, [1, ShapeFollowing.ViewCount, 3, 224, 224]);
        using var results = session.Run(new Microsoft.ML.OnnxRuntime.RunOptions(), ["image"], [value], ["stress"]);
        var exported = results[0].GetTensorDataAsSpan<float>().ToArray();
        for (int c = 0; c < expected.Length; c++)
        {
            Assert.Equal(expected[c], trained[c], 4);
            Assert.Equal(expected[c], exported[c], 4);
        }
    }

    [Fact]
    public void The_exported_model_says_how_views_follow_the_shape()
    {
        var m = ModelFixtures.Manifest(Backbone.Load(), ["layer4"], ShapeFollowing, TestHeads.RandomHead(512));
        var input = ModelPackage.Metadata(m).Single(kv => kv.Key == "cropvision.input").Value;
        Assert.Contains("close-up", input);
        Assert.Contains("1.5", input);
    }
}
