using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CropVision.Core.Inference;
using CropVision.Core.Models;
using CropVision.Core.Preprocessing;
using CropVision.Tests.Support;

namespace CropVision.Tests.Api;

/// <summary>The service serves a version with a fine-tuned tail (tail-1.onnx, ...) with the tuned weights, not the NuGet ones.</summary>
[Trait("Category", "Fast")]
public class FineTunedServiceTests
{
    [Fact]
    public async Task A_fine_tuned_version_is_served_with_its_tail()
    {
        using var temp = new TempFolder();
        var backbone = Backbone.Load();
        // The "fine-tune": layer4's last convolution scaled by 1.5, a change every photo shows.
        var edited = backbone.Model.Clone();
        var lastConv = edited.Graph.Node.Last(n => n.OpType == "Conv").Input[1];
        int at = edited.Graph.Initializer.ToList().FindIndex(i => i.Name == lastConv);
        edited.Graph.Initializer[at] = OnnxBuilder.FloatTensor(lastConv, [.. edited.Graph.Initializer[at].Dims],
            OnnxBuilder.ReadFloats(edited.Graph.Initializer[at]).Select(v => v * 1.5f).ToArray());
        var spec = new PreprocessingSpec();
        var head = TestHeads.RandomHead(512);
        var parts = FineTunedTail.Write(temp.Sub("models", "coffee", "1"), backbone.Model.Graph, edited.Graph, [lastConv], backbone.Sha256());
        var folder = ModelFixtures.WriteVersion(temp.Sub("models", "coffee", "1"), backbone, ["layer4"], spec, head,
            m => m with { Backbone = m.Backbone with { FineTunedTail = parts } });
        var plain = ModelFixtures.WriteVersion(temp.Sub("plain"), backbone, ["layer4"], spec, head);

        var tensor = ImagePreprocessor.Preprocess(ServiceRequests.LeafJpeg(3), spec);
        float[] expected, untuned;
        using (var model = CropModel.Load(folder, backbone)) expected = model.Run(tensor, 1)[0].Features;
        using (var model = CropModel.Load(plain, backbone)) untuned = model.Run(tensor, 1)[0].Features;

        await using var service = new ServiceFactory(ServiceFactory.Defaults(temp.Sub("models")));
        using var client = service.CreateClient();
        var request = new { inputs = new[] { new { name = "image", shape = new long[] { 1, spec.ViewCount, 3, 224, 224 }, datatype = "FP32", data = tensor } }, outputs = new[] { new { name = "features" } } };
        var response = await client.PostAsJsonAsync("/v2/models/coffee/infer", request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var served = body.GetProperty("outputs")[0].GetProperty("data").EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();

        float fromTuned = served.Zip(expected, (a, b) => MathF.Abs(a - b)).Max();
        float fromUntuned = served.Zip(untuned, (a, b) => MathF.Abs(a - b)).Max();
        // Same graph, same input: equal up to float rounding (and the service's own session options); the tail moved them far more.
        Assert.True(fromTuned < 1e-3f, $"served features differ from the fine-tuned model's by {fromTuned:E2}");
        Assert.True(fromUntuned > 0.1f, $"served features differ from the NuGet backbone's by only {fromUntuned:E2}");
    }
}
