using CropVision.Core.Models;
using CropVision.Core.Preprocessing;
using CropVision.Tests.Support;

namespace CropVision.Tests.Core;

/// <summary>The fine-tuned tail file: int8 changes added to the NuGet backbone, refused when it names another backbone.</summary>
[Trait("Category", "Fast")]
public class FineTunedTailTests
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
        var path = temp.Sub("tail.onnx");
        FineTunedTail.Write(path, backbone.Model.Graph, edited.Graph, [name], backbone.Sha256());

        var tuned = FineTunedTail.Apply(backbone, path);
        var read = OnnxBuilder.ReadFloats(tuned.Model.Graph.Initializer.Single(i => i.Name == name));
        Assert.Equal(values.Length, read.Length);
        // Changes up to 0.01 in int8 per channel: within half a step (0.01 / 127 / 2) plus float rounding.
        float worst = 0;
        for (int i = 0; i < values.Length; i++) worst = MathF.Max(worst, MathF.Abs(values[i] - read[i]));
        Assert.InRange(worst, 0f, 0.01f / 127 / 2 + 1e-6f);
        Assert.Equal(1, FineTunedTail.Count(path));
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
            m => m with { Backbone = m.Backbone with { FineTunedTail = FineTunedTail.DefaultFileName } });
        var name = backbone.Model.Graph.Initializer[0].Name;
        FineTunedTail.Write(Path.Combine(folder, FineTunedTail.DefaultFileName), backbone.Model.Graph, backbone.Model.Graph, [name], new string('0', 64));
        var e = Assert.Throws<InvalidDataException>(() => ModelPackage.Load(folder, backbone));
        Assert.Contains("SHA-256", e.Message);
        Assert.Contains(new string('0', 64), e.Message);
    }

    [Fact]
    public void A_version_naming_a_missing_tail_file_is_refused()
    {
        var backbone = SharedBackbone.Value;
        using var temp = new TempFolder();
        var folder = ModelFixtures.WriteVersion(temp.Sub("1"), backbone, ["layer4"], new PreprocessingSpec(), TestHeads.RandomHead(512),
            m => m with { Backbone = m.Backbone with { FineTunedTail = FineTunedTail.DefaultFileName } });
        var e = Assert.Throws<InvalidDataException>(() => ModelPackage.Load(folder, backbone));
        Assert.Contains("missing", e.Message);
    }
}
