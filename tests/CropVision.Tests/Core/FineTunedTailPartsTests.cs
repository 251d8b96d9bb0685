using System.Text.Json;
using System.Text.Json.Nodes;
using CropVision.Core.Models;
using CropVision.Core.Preprocessing;
using CropVision.Tests.Support;
using Google.Protobuf;
using Onnx;

namespace CropVision.Tests.Core;

/// <summary>
/// A fine-tuned tail split into part files (each under the git limit): the parts load to exactly the backbone one part
/// gives, and every way a set of parts can be wrong is refused, naming the file.
/// </summary>
[Trait("Category", "Fast")]
public class FineTunedTailPartsTests
{
    private static readonly Lazy<Backbone> SharedBackbone = new(() => Backbone.Load());
    // Small enough that the 64-channel 3x3 convolutions (36,864 int8 bytes each) need a part each.
    private const long SmallLimit = 60_000;

    /// <summary>The first dozen 64-channel initializers (convolutions and 1-D BatchNormalization tensors), each moved a little.</summary>
    private static (GraphProto Edited, List<string> Names) Tuned(Backbone backbone)
    {
        var edited = backbone.Model.Clone();
        var names = edited.Graph.Initializer.Where(i => i.Dims.Count > 0 && i.Dims[0] == 64).Take(12).Select(i => i.Name).ToList();
        var rng = new Random(5);
        for (int at = 0; at < edited.Graph.Initializer.Count; at++)
        {
            var t = edited.Graph.Initializer[at];
            if (!names.Contains(t.Name)) continue;
            var values = OnnxBuilder.ReadFloats(t).Select(v => v + (float)(rng.NextDouble() - 0.5) * 0.02f).ToArray();
            edited.Graph.Initializer[at] = OnnxBuilder.FloatTensor(t.Name, [.. t.Dims], values);
        }
        // Shuffled: the writer packs in the graph's order whatever order it is given.
        return (edited.Graph, [.. names.OrderBy(_ => rng.Next())]);
    }

    private static List<string> WriteParts(string folder, Backbone backbone, string? sha = null, long limit = SmallLimit)
    {
        var (edited, names) = Tuned(backbone);
        return [.. FineTunedTail.Write(folder, backbone.Model.Graph, edited, names, sha ?? backbone.Sha256(), limit).Select(p => Path.Combine(folder, p))];
    }

    private static string Meta(ModelProto m, string key) => m.MetadataProps.Single(p => p.Key == key).Value;

    [Fact]
    public void Parts_written_with_a_small_limit_load_to_exactly_the_backbone_of_one_part()
    {
        var backbone = SharedBackbone.Value;
        using var temp = new TempFolder();
        var (edited, names) = Tuned(backbone);
        var one = FineTunedTail.Write(temp.Sub("one"), backbone.Model.Graph, edited, names, backbone.Sha256());
        Assert.Equal([FineTunedTail.PartFileName(1)], one);
        var parts = WriteParts(temp.Sub("parts"), backbone);

        Assert.True(parts.Count >= 3, $"{parts.Count} part(s)");
        Assert.Equal(Enumerable.Range(1, parts.Count).Select(i => temp.Sub("parts", $"tail-{i}.onnx")), parts);
        var models = parts.Select(OnnxFile.Read).ToList();
        for (int i = 0; i < parts.Count; i++)
        {
            Assert.InRange(new FileInfo(parts[i]).Length, 1, SmallLimit);
            Assert.Equal($"{i + 1}/{parts.Count}", Meta(models[i], FineTunedTail.PartKey));
            Assert.Equal(backbone.Sha256(), Meta(models[i], FineTunedTail.BaseShaKey));
            // A weight's scales sit in its own part.
            foreach (var t in models[i].Graph.Initializer.Where(t => t.DataType == (int)TensorProto.Types.DataType.Int8))
                Assert.Contains(models[i].Graph.Initializer, s => s.Name == t.Name + FineTunedTail.ScaleSuffix);
        }
        // Packed in the graph's initializer order, each name once.
        var order = backbone.Model.Graph.Initializer.Select(i => i.Name).Where(names.Contains).ToList();
        Assert.Equal(order, models.SelectMany(m => m.Graph.Initializer).Select(t => t.Name).Where(n => !n.EndsWith(FineTunedTail.ScaleSuffix, StringComparison.Ordinal)));
        Assert.Equal(names.Count, FineTunedTail.Count(parts));

        var fromOne = FineTunedTail.Apply(backbone, [temp.Sub("one", one[0])]);
        var fromParts = FineTunedTail.Apply(backbone, parts);
        int changed = 0;
        for (int i = 0; i < fromOne.Model.Graph.Initializer.Count; i++)
        {
            var a = fromOne.Model.Graph.Initializer[i];
            var b = fromParts.Model.Graph.Initializer[i];
            Assert.Equal(a.Name, b.Name);
            Assert.Equal(OnnxBuilder.ReadFloats(a), OnnxBuilder.ReadFloats(b));
            if (!OnnxBuilder.ReadFloats(a).SequenceEqual(OnnxBuilder.ReadFloats(backbone.Model.Graph.Initializer[i]))) changed++;
        }
        Assert.Equal(names.Count, changed);
    }

    [Fact]
    public void A_tensor_alone_over_the_limit_is_refused_naming_it()
    {
        var backbone = SharedBackbone.Value;
        using var temp = new TempFolder();
        var (edited, _) = Tuned(backbone);
        var big = backbone.Model.Graph.Initializer.First(i => i.Dims.Count == 4 && i.Dims[0] == 64 && i.Dims[1] == 64).Name;
        var e = Assert.Throws<InvalidDataException>(() => FineTunedTail.Write(temp.Path, backbone.Model.Graph, edited, [big], backbone.Sha256(), 20_000));
        Assert.Contains(big, e.Message);
        Assert.Contains("20,000", e.Message);
        Assert.Empty(Directory.GetFiles(temp.Path));
    }

    [Fact]
    public void A_missing_part_is_refused_naming_it()
    {
        var backbone = SharedBackbone.Value;
        using var temp = new TempFolder();
        var parts = WriteParts(temp.Path, backbone);
        File.Delete(parts[1]);
        var e = Assert.Throws<InvalidDataException>(() => FineTunedTail.Apply(backbone, parts));
        Assert.Contains(parts[1], e.Message);
        Assert.Contains("missing", e.Message);
    }

    [Fact]
    public void Parts_from_different_base_backbones_are_refused_naming_the_odd_one()
    {
        var backbone = SharedBackbone.Value;
        using var temp = new TempFolder();
        var parts = WriteParts(temp.Sub("a"), backbone);
        var other = WriteParts(temp.Sub("b"), backbone, sha: new string('0', 64));
        var mixed = parts.Select((p, i) => i == 1 ? other[1] : p).ToList();
        var e = Assert.Throws<InvalidDataException>(() => FineTunedTail.Apply(backbone, mixed));
        Assert.Contains(other[1], e.Message);
        Assert.Contains(new string('0', 64), e.Message);
        Assert.Contains("different", e.Message);
    }

    [Fact]
    public void A_part_listed_at_another_place_or_count_than_it_records_is_refused()
    {
        var backbone = SharedBackbone.Value;
        using var temp = new TempFolder();
        var parts = WriteParts(temp.Path, backbone);
        // One part short: the first records 1/n, the list says 1 of n-1.
        var e = Assert.Throws<InvalidDataException>(() => FineTunedTail.Apply(backbone, parts[..^1]));
        Assert.Contains(parts[0], e.Message);
        Assert.Contains($"1/{parts.Count}", e.Message);
        // Two swapped: the second listed records 1/n.
        var swapped = parts.ToList();
        (swapped[0], swapped[1]) = (swapped[1], swapped[0]);
        e = Assert.Throws<InvalidDataException>(() => FineTunedTail.Apply(backbone, swapped));
        Assert.Contains(parts[1], e.Message);
        Assert.Contains($"2/{parts.Count}", e.Message);
    }

    [Fact]
    public void The_same_initializer_in_two_parts_is_refused_naming_both_files()
    {
        var backbone = SharedBackbone.Value;
        using var temp = new TempFolder();
        var parts = WriteParts(temp.Sub("a"), backbone);
        // The first part's tensors again, recorded as the last part.
        var copy = OnnxFile.Read(parts[0]);
        copy.MetadataProps.Single(p => p.Key == FineTunedTail.PartKey).Value = $"{parts.Count}/{parts.Count}";
        Directory.CreateDirectory(temp.Sub("b"));
        var last = temp.Sub("b", FineTunedTail.PartFileName(parts.Count));
        File.WriteAllBytes(last, copy.ToByteArray());
        var e = Assert.Throws<InvalidDataException>(() => FineTunedTail.Apply(backbone, [.. parts[..^1], last]));
        Assert.Contains(last, e.Message);
        Assert.Contains(parts[0], e.Message);
        Assert.Contains(copy.Graph.Initializer[0].Name, e.Message);
    }

    [Fact]
    public void A_manifest_naming_a_single_tail_file_as_a_string_still_loads_and_is_rewritten_as_a_list()
    {
        var backbone = SharedBackbone.Value;
        using var temp = new TempFolder();
        var parts = WriteParts(temp.Sub("parts"), backbone, limit: FineTunedTail.MaxPartBytes);
        Assert.Single(parts);
        // A tail.onnx as written before parts: no part number in its metadata.
        var legacy = OnnxFile.Read(parts[0]);
        legacy.MetadataProps.Remove(legacy.MetadataProps.Single(p => p.Key == FineTunedTail.PartKey));
        var folder = ModelFixtures.WriteVersion(temp.Sub("1"), backbone, ["layer4"], new PreprocessingSpec(), TestHeads.RandomHead(512),
            m => m with { Backbone = m.Backbone with { FineTunedTail = [FineTunedTail.LegacyFileName] } });
        File.WriteAllBytes(Path.Combine(folder, FineTunedTail.LegacyFileName), legacy.ToByteArray());
        var manifestPath = Path.Combine(folder, ModelManifest.FileName);
        var json = JsonNode.Parse(File.ReadAllText(manifestPath))!;
        json["backbone"]!["fineTunedTail"] = FineTunedTail.LegacyFileName;
        File.WriteAllText(manifestPath, json.ToJsonString());

        var manifest = ModelManifest.Read(folder);
        Assert.Equal([FineTunedTail.LegacyFileName], manifest.Backbone.FineTunedTail);
        var loaded = ModelPackage.BackboneFor(folder, manifest, backbone);
        var expected = FineTunedTail.Apply(backbone, parts);
        Assert.True(expected.Model.Graph.Equals(loaded.Model.Graph), "the single tail.onnx loaded other weights than the same tail as a part");
        Assert.NotNull(ModelPackage.Load(folder, backbone));

        manifest.Write(folder);
        Assert.Equal(JsonValueKind.Array, JsonDocument.Parse(File.ReadAllText(manifestPath)).RootElement.GetProperty("backbone").GetProperty("fineTunedTail").ValueKind);
    }
}
