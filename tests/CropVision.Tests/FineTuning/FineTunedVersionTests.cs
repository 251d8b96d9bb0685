using CropVision.Core.Inference;
using CropVision.Core.Models;
using CropVision.Core.Preprocessing;
using CropVision.FineTuning.Torch;
using CropVision.Learning.Data;
using CropVision.Tests.Support;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace CropVision.Tests.FineTuning;

/// <summary>
/// A version folder holding a fine-tuned tail (<see cref="FineTunedTail"/>: int8 changes from the NuGet weights) loads through the normal path
/// (<see cref="CropModel.Load"/>, as the service and the console do) and predicts what TorchSharp predicts with the
/// trained tail, on real photos. Skips, saying why, without the BRACOL photos.
/// </summary>
[Trait("Category", "Training")]
public class FineTunedVersionTests(ITestOutputHelper output)
{
    // The served graph holds the tail's change from the NuGet weights rounded to int8 per channel, TorchSharp the exact
    // fp32 weights: the bounds are absolute, on pooled features (largest ~13) and on probabilities. Measured on these 4
    // photos after one SGD step: features 3.5e-4, probabilities 1.2e-5 (the step moved them by 6.2e-2).
    private const float FeatureBound = 5e-3f;
    private const float ProbabilityBound = 1e-3f;

    [BracolFact]
    public void A_version_with_a_fine_tuned_tail_serves_what_TorchSharp_computes()
    {
        TorchRuntime.Initialize(threads: 1);
        var backbone = Backbone.Load();
        var spec = new PreprocessingSpec();
        var ds = LabelledDataset.Load(SharedData.Bracol);
        var photos = ds.In(Split.Val).GroupBy(i => i.Class).Select(g => g.First()).Take(4).ToList();
        int n = photos.Count, views = n * spec.ViewCount;
        var tensors = new float[n * spec.FloatsPerImage];
        for (int i = 0; i < n; i++)
            ImagePreprocessor.Preprocess(File.ReadAllBytes(photos[i].FullPath(ds.Root)), spec, tensors.AsSpan(i * spec.FloatsPerImage, spec.FloatsPerImage));

        // The front of the backbone (unchanged by fine-tuning) from ONNX Runtime, as the map cache computes it.
        var featurizer = GraphComposer.BuildFeaturizer(backbone, ["layer4"]);
        featurizer.Graph.Output.Add(OnnxBuilder.FloatValue(TorchBackbone.TailStart, "batch", null, 256, 14, 14));
        float[] maps;
        using (var onnx = new OnnxModel(Google.Protobuf.MessageExtensions.ToByteArray(featurizer), new SessionSettings { IntraOpThreads = 1 }))
            maps = onnx.Run(tensors, [views, 3, Backbone.InputSize, Backbone.InputSize])[TorchBackbone.TailStart];

        using var scope = torch.NewDisposeScope();
        torch.manual_seed(5);
        var tail = TorchBackbone.Tail(backbone);
        tail.eval();
        var x = torch.tensor(maps, [views, 256, 14, 14]).clone();
        var probe = nn.Linear(512, 3);
        var labels = torch.tensor(Enumerable.Range(0, views).Select(i => (long)(i % 3)).ToArray());
        var optimizer = torch.optim.SGD(tail.parameters().Concat(probe.parameters()), 1e-2);
        var loss = nn.functional.cross_entropy(probe.forward(tail.forward(x)), labels);
        optimizer.zero_grad();
        loss.backward();
        optimizer.step();

        // The version folder: the head, the manifest naming the tail, and the tail's weights written back as fp16.
        using var temp = new TempFolder();
        var head = TestHeads.RandomHead(512);
        var edited = backbone.Model.Clone();
        tail.Graph.WriteInitializers(edited.Graph);
        var names = tail.Graph.InitializerParameters().Select(p => p.Initializer).Concat(tail.Graph.InitializerBuffers().Select(b => b.Initializer)).ToList();
        var parts = FineTunedTail.Write(temp.Sub("tuned"), backbone.Model.Graph, edited.Graph, names, backbone.Sha256());
        var tuned = ModelFixtures.WriteVersion(temp.Sub("tuned"), backbone, ["layer4"], spec, head,
            m => m with { Backbone = m.Backbone with { FineTunedTail = parts, FineTunedDescription = "test: one SGD step" } });
        var plain = ModelFixtures.WriteVersion(temp.Sub("plain"), backbone, ["layer4"], spec, head);
        var partBytes = parts.Select(p => new FileInfo(Path.Combine(tuned, p)).Length).ToList();
        long tailBytes = partBytes.Sum();

        ModelOutput[] served, before;
        using (var model = CropModel.Load(tuned, backbone)) served = model.Run(tensors, n);
        using (var model = CropModel.Load(plain, backbone)) before = model.Run(tensors, n);

        // TorchSharp's prediction: the trained tail's pooled features, tiles averaged per flip, the head, flips averaged.
        float[] features;
        using (torch.no_grad()) features = tail.forward(x).data<float>().ToArray();
        float featureDiff = 0, probDiff = 0, moved = 0;
        for (int p = 0; p < n; p++)
        {
            var (mean, probs) = Predict(head, features.AsSpan(p * spec.ViewCount * 512, spec.ViewCount * 512), spec);
            for (int j = 0; j < 512; j++) featureDiff = MathF.Max(featureDiff, MathF.Abs(mean[j] - served[p].Features[j]));
            var stress = served[p].Probabilities["stress"];
            for (int c = 0; c < stress.Length; c++)
            {
                probDiff = MathF.Max(probDiff, MathF.Abs(probs[c] - stress[c]));
                moved = MathF.Max(moved, MathF.Abs(before[p].Probabilities["stress"][c] - stress[c]));
            }
        }
        output.WriteLine($"{n} photos, {views} views; tail {tailBytes / 1e6:F1} MB in {parts.Count} parts ({string.Join(", ", partBytes)} bytes; {names.Count} initializers, int8 changes); loss {loss.item<float>():F4}");
        output.WriteLine($"served vs TorchSharp: features max |diff| {featureDiff:E2}, stress probabilities max |diff| {probDiff:E2}; one step moved the served probabilities by up to {moved:E2}");
        Assert.True(tailBytes <= 25_000_000, $"the tail is {tailBytes} bytes");
        Assert.All(partBytes, b => Assert.InRange(b, 1, FineTunedTail.MaxPartBytes));
        Assert.True(featureDiff <= FeatureBound, $"features differ by {featureDiff:E2}");
        Assert.True(probDiff <= ProbabilityBound, $"probabilities differ by {probDiff:E2}");
        Assert.True(moved > 10 * probDiff, $"the step moved the prediction by only {moved:E2} (vs a difference of {probDiff:E2})");
    }

    /// <summary>The composed graph's arithmetic in plain C#: tile mean per flip, standardize, softmax, mean over flips.</summary>
    private static (float[] Features, float[] Stress) Predict(HeadParameters head, ReadOnlySpan<float> viewFeatures, PreprocessingSpec spec)
    {
        int d = head.FeatureSize, tiles = spec.TileCount, flips = spec.Flips.Count;
        var stress = head.Outputs.Single(o => o.Name == "stress");
        int c = stress.Labels.Count;
        var mean = new float[d];
        var probs = new float[c];
        for (int f = 0; f < flips; f++)
        {
            var flip = new float[d];
            for (int t = 0; t < tiles; t++)
                for (int j = 0; j < d; j++) flip[j] += viewFeatures[(f * tiles + t) * d + j] / tiles;
            for (int j = 0; j < d; j++) mean[j] += flip[j] / flips;
            var logits = new double[c];
            for (int k = 0; k < c; k++)
            {
                logits[k] = stress.Bias[k];
                for (int j = 0; j < d; j++) logits[k] += stress.Weights[k * d + j] * (flip[j] - head.FeatureMean[j]) * head.FeatureInvStd[j];
            }
            double max = logits.Max(), sum = logits.Sum(l => Math.Exp(l - max));
            for (int k = 0; k < c; k++) probs[k] += (float)(Math.Exp(logits[k] - max) / sum / flips);
        }
        return (mean, probs);
    }
}
