using CropVision.Core.Inference;
using CropVision.Core.Models;
using CropVision.Core.Preprocessing;
using CropVision.Learning.Data;
using CropVision.Tests.Support;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using SkiaSharp;

namespace CropVision.Tests.Core;

/// <summary>Issue 11 item 2: the int8 backbone rebuilt from committed calibration, and the early exit.</summary>
[Trait("Category", "Fast")]
public class CheaperInferenceTests
{
    private static readonly Lazy<Backbone> SharedBackbone = new(() => Backbone.Load());
    private static string Newest => Path.Combine(ServiceFactory.CommittedModels, "coffee", ServiceFactory.NewestCoffeeVersion.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The newest committed coffee version whose manifest runs an int8 backbone.</summary>
    private static string Int8Version()
    {
        var crop = Path.Combine(ServiceFactory.CommittedModels, "coffee");
        return ModelRepository.Versions(crop).Select(v => Path.Combine(crop, v.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            .LastOrDefault(f => ModelManifest.Read(f).Inference?.Int8Calibration is not null)
            ?? throw new InvalidOperationException("No committed coffee version runs an int8 backbone.");
    }

    [Fact]
    public void The_int8_graph_is_rebuilt_identically_from_the_committed_calibration()
    {
        var folder = Int8Version();
        var first = ModelPackage.Load(folder, SharedBackbone.Value).ToBytes();
        var second = ModelPackage.Load(folder, Backbone.Load()).ToBytes();
        Assert.True(first.AsSpan().SequenceEqual(second), "two rebuilds of the int8 graph differ");
        var fp32 = ModelPackage.Load(folder, SharedBackbone.Value, new InferenceSpec()).ToBytes();
        Assert.False(first.AsSpan().SequenceEqual(fp32));
        // Only the small half is committed: the calibration file, not the graph (a fine-tuned version's tail parts
        // are its fp32 weights' changes, not the int8 graph).
        var tail = (ModelManifest.Read(folder).Backbone.FineTunedTail ?? []).Select(p => Path.Combine(folder, p)).ToHashSet();
        var committed = Directory.GetFiles(folder).Where(f => !tail.Contains(f)).Sum(f => new FileInfo(f).Length);
        Assert.True(committed < 1_000_000, $"{folder} holds {committed} bytes");
    }

    [Fact]
    public void Onnx_runtime_fuses_the_int8_graph_into_quantized_convolutions()
    {
        var ops = OnnxModel.OptimizedOperators(ModelPackage.Load(Int8Version(), SharedBackbone.Value).ToBytes(), new SessionSettings { IntraOpThreads = 1 });
        // Every convolution of the backbone should run as QLinearConv, none as a float Conv.
        var convolutions = SharedBackbone.Value.Model.Graph.Node.Count(n => n.OpType == "Conv");
        var seen = string.Join(", ", ops.Select(o => $"{o.Key} {o.Value}"));
        Assert.True(convolutions == ops.GetValueOrDefault("QLinearConv"), $"{convolutions} convolutions, optimized graph: {seen}");
        Assert.False(ops.ContainsKey("Conv"), seen);
    }

    [CoffeeSourcesFact]
    public void Int8_and_fp32_agree_on_real_val_photos()
    {
        var folder = Int8Version();
        using var int8 = CropModel.Load(folder, SharedBackbone.Value, new SessionSettings { IntraOpThreads = 1 }, ModelManifest.Read(folder).Inference! with { EarlyExit = null });
        using var fp32 = CropModel.Load(folder, SharedBackbone.Value, new SessionSettings { IntraOpThreads = 1 }, new InferenceSpec());
        var root = Path.GetDirectoryName(SharedData.Bracol)!;
        var photos = new[] { "bracol-leaf", "bracol-symptom" }.SelectMany(source =>
        {
            var val = LabelledDataset.Load(Path.Combine(root, source)).In(Split.Val).OrderBy(i => i.RelativePath, StringComparer.Ordinal).ToList();
            return Enumerable.Range(0, 12).Select(k => val[k * val.Count / 12].FullPath(Path.Combine(root, source)));
        }).ToList();
        int agree = 0;
        double worst = 0;
        foreach (var photo in photos)
        {
            var bytes = File.ReadAllBytes(photo);
            var a = int8.Predict(bytes).Probabilities["stress"];
            var b = fp32.Predict(bytes).Probabilities["stress"];
            if (Array.IndexOf(a, a.Max()) == Array.IndexOf(b, b.Max())) agree++;
            worst = Math.Max(worst, a.Zip(b).Max(p => Math.Abs(p.First - p.Second)));
        }
        Assert.True(agree >= photos.Count - 1, $"int8 and fp32 agree on the top stress for {agree} of {photos.Count} val photos");
        Assert.True(worst < 0.2, $"largest stress-probability difference {worst:F3}");
    }

    [Fact]
    public void Early_exit_answers_from_the_first_flip_when_confident_and_from_every_view_otherwise()
    {
        var tensors = Enumerable.Range(0, 6).Select(i => ImagePreprocessor.Preprocess(
            i % 2 == 0 ? TestImages.Leaf(i, new SKColor(150, 90, 20), 2 + i) : TestImages.CloseUp(i, new SKColor(90, 60, 20), 3, 300, 280),
            ModelManifest.Read(Newest).Preprocessing)).ToList();
        var batch = tensors.SelectMany(t => t).ToArray();
        var settings = new SessionSettings { IntraOpThreads = 1 };
        using var every = CropModel.Load(Newest, SharedBackbone.Value, settings, new InferenceSpec());
        using var firstOnly = CropModel.Load(Newest, SharedBackbone.Value, settings, new InferenceSpec { EarlyExit = new() { ConfidentAbove = 0 } });
        var all = every.Run(batch, tensors.Count);
        var first = firstOnly.Run(batch, tensors.Count);
        Assert.Equal(every.Spec.TileCount, firstOnly.PassesPerImage);

        // A threshold between the photos' first-flip confidences: some exit, some go on.
        var confidence = first.Select(o => o.Probabilities["stress"].Max()).ToArray();
        var threshold = confidence.Order().ElementAt(confidence.Length / 2);
        using var early = CropModel.Load(Newest, SharedBackbone.Value, settings, new InferenceSpec { EarlyExit = new() { ConfidentAbove = threshold } });
        var answers = early.Run(batch, tensors.Count);
        int exited = 0;
        for (int i = 0; i < tensors.Count; i++)
        {
            bool exits = confidence[i] >= threshold;
            exited += exits ? 1 : 0;
            var expected = exits ? first[i] : all[i];
            foreach (var (name, p) in expected.Probabilities)
                for (int c = 0; c < p.Length; c++) Assert.Equal(p[c], answers[i].Probabilities[name][c], 4);
            Assert.Equal(expected.Distance, answers[i].Distance, 3);
        }
        Assert.InRange(exited, 1, tensors.Count - 1);
        Assert.Equal((exited * every.Spec.TileCount + (tensors.Count - exited) * every.Spec.ViewCount) / (double)tensors.Count, early.PassesPerImage, 6);
    }

    [Fact]
    public void The_exported_file_states_its_early_exit_and_runs_either_stage_in_stock_onnx_runtime()
    {
        var folder = Newest;
        var manifest = ModelManifest.Read(folder);
        if (manifest.Inference?.EarlyExit is null) return; // the newest version runs every view: nothing to state
        var model = ModelPackage.Load(folder, SharedBackbone.Value).Composed;
        var rule = model.MetadataProps.Single(p => p.Key == "cropvision.early_exit").Value;
        Assert.Contains(manifest.Inference.EarlyExit.ConfidentAbove.ToString(System.Globalization.CultureInfo.InvariantCulture), rule);
        using var session = new InferenceSession(model.ToByteArray());
        var tensor = ImagePreprocessor.Preprocess(TestImages.Leaf(3, new SKColor(150, 90, 20), 4), manifest.Preprocessing);
        foreach (var views in new[] { manifest.Preprocessing.TileCount, manifest.Preprocessing.ViewCount })
        {
            using var value = OrtValue.CreateTensorValueFromMemory(tensor.AsSpan(0, views * manifest.Preprocessing.FloatsPerView).ToArray(), [1, views, 3, 224, 224]);
            using var results = session.Run(new RunOptions(), ["image"], [value], ["stress"]);
            Assert.Equal(1f, results[0].GetTensorDataAsSpan<float>().ToArray().Sum(), 3);
        }
    }
}
