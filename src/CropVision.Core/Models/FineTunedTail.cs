using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace CropVision.Core.Models;

/// <summary>
/// The fine-tuned tail of the backbone kept in a version folder, as an ONNX file without nodes holding only the tail's
/// initializers: each weight tensor as its change from the NuGet backbone's value, int8 per output channel (a
/// symmetric scale per channel, in a companion tensor named with <see cref="ScaleSuffix"/>), and the small 1-D ones
/// (BatchNormalization scales, biases, running statistics) as fp32 values. Everything else still comes from the NuGet
/// backbone; loading adds the changes to its graph (same names, same shapes), so the served graph is the backbone's
/// structure with the fine-tuned weights. fp16 of layer3's second block and layer4 would be 26 MB; the int8 change is
/// a quarter of that, and its rounding is a fraction of the change, not of the weight.
/// </summary>
public static class FineTunedTail
{
    public const string DefaultFileName = "tail.onnx";
    /// <summary>Metadata key of the tail file naming the NuGet backbone's SHA-256 it was trained from.</summary>
    public const string BaseShaKey = "cropvision.base_sha256";
    public const string ScaleSuffix = "::delta_scale";
    /// <summary>How the manifest describes what the file holds.</summary>
    public const string Encoding = "weights as int8 per-channel changes from the NuGet backbone, 1-D tensors fp32";

    /// <summary>
    /// Writes the initializers <paramref name="names"/> of <paramref name="edited"/> (the backbone's graph with trained
    /// weights) as changes from <paramref name="original"/> (the NuGet backbone's graph).
    /// </summary>
    public static void Write(string path, GraphProto original, GraphProto edited, IEnumerable<string> names, string baseSha256)
    {
        var byName = edited.Initializer.ToDictionary(i => i.Name);
        var baseByName = original.Initializer.ToDictionary(i => i.Name);
        var g = new GraphProto { Name = "cropvision_fine_tuned_tail" };
        foreach (var name in names.Distinct())
        {
            if (!byName.TryGetValue(name, out var tuned) || !baseByName.TryGetValue(name, out var source))
                throw new InvalidDataException($"The backbone graph has no initializer '{name}'.");
            if (tuned.Dims.Count < 2) { g.Initializer.Add(OnnxBuilder.FloatTensor(name, [.. tuned.Dims], OnnxBuilder.ReadFloats(tuned))); continue; }
            var (q, scales) = QuantizeChange(OnnxBuilder.ReadFloats(source), OnnxBuilder.ReadFloats(tuned), (int)tuned.Dims[0]);
            var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int8 };
            t.Dims.AddRange(tuned.Dims);
            t.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(q.AsSpan()));
            g.Initializer.Add(t);
            g.Initializer.Add(OnnxBuilder.FloatTensor(name + ScaleSuffix, [scales.Length], scales));
        }
        var model = OnnxBuilder.NewModel(g, "CropVision fine-tuned backbone tail: changes added to the NuGet ResNet18's initializers at load.");
        OnnxBuilder.AddMetadata(model, [new(BaseShaKey, baseSha256)]);
        ModelVersionWriter.WriteFileAtomically(path, temp => File.WriteAllBytes(temp, model.ToByteArray()));
    }

    /// <summary>
    /// The backbone with the tail file's weights swapped in (fp32 in the graph). Refuses a tail trained from another
    /// backbone (its SHA-256) and any initializer the backbone lacks or holds in another shape.
    /// </summary>
    public static Backbone Apply(Backbone backbone, string path)
    {
        if (!File.Exists(path)) throw new InvalidDataException($"{path} (the fine-tuned backbone tail) is missing.");
        ModelProto tail;
        try { tail = OnnxFile.Read(path); }
        catch (InvalidProtocolBufferException e) { throw new InvalidDataException($"{path} is not a valid ONNX file: {e.Message}", e); }
        var baseSha = tail.MetadataProps.FirstOrDefault(p => p.Key == BaseShaKey)?.Value;
        if (!string.Equals(baseSha, backbone.Sha256(), StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"{path} was fine-tuned from a backbone with SHA-256 {baseSha ?? "(none recorded)"}, but {backbone.Path} has {backbone.Sha256()}.");
        var model = backbone.Model.Clone();
        var at = model.Graph.Initializer.Select((init, i) => (init.Name, i)).ToDictionary(x => x.Name, x => x.i);
        var scales = tail.Graph.Initializer.Where(t => t.Name.EndsWith(ScaleSuffix, StringComparison.Ordinal)).ToDictionary(t => t.Name);
        foreach (var t in tail.Graph.Initializer.Where(t => !scales.ContainsKey(t.Name)))
        {
            if (!at.TryGetValue(t.Name, out var i)) throw new InvalidDataException($"{path} holds '{t.Name}', which the backbone has no initializer for.");
            var target = model.Graph.Initializer[i];
            if (!target.Dims.SequenceEqual(t.Dims))
                throw new InvalidDataException($"{path}: '{t.Name}' has shape [{string.Join(",", t.Dims)}], the backbone's is [{string.Join(",", target.Dims)}].");
            float[] values;
            if (t.DataType == (int)TensorProto.Types.DataType.Float) values = OnnxBuilder.ReadFloats(t);
            else if (t.DataType == (int)TensorProto.Types.DataType.Int8 && scales.TryGetValue(t.Name + ScaleSuffix, out var scale))
                values = AddChange(OnnxBuilder.ReadFloats(target), MemoryMarshal.Cast<byte, sbyte>(t.RawData.Span), OnnxBuilder.ReadFloats(scale));
            else throw new InvalidDataException($"{path}: '{t.Name}' is neither fp32 nor an int8 change with its scales.");
            model.Graph.Initializer[i] = OnnxBuilder.FloatTensor(t.Name, [.. t.Dims], values);
        }
        return backbone.WithModel(model);
    }

    /// <summary>How many backbone initializers the tail file replaces (for reports).</summary>
    public static int Count(string path) => OnnxFile.Read(path).Graph.Initializer.Count(t => !t.Name.EndsWith(ScaleSuffix, StringComparison.Ordinal));

    /// <summary>Symmetric int8 per output channel (the first dimension) of tuned - original.</summary>
    internal static (sbyte[] Q, float[] Scales) QuantizeChange(float[] original, float[] tuned, int channels)
    {
        if (original.Length != tuned.Length) throw new InvalidDataException("The tuned tensor's size differs from the backbone's.");
        int per = tuned.Length / channels;
        var q = new sbyte[tuned.Length];
        var scales = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            float max = 0;
            for (int j = c * per; j < (c + 1) * per; j++) max = MathF.Max(max, MathF.Abs(tuned[j] - original[j]));
            scales[c] = max / 127f;
            if (max == 0) continue;
            for (int j = c * per; j < (c + 1) * per; j++) q[j] = (sbyte)Math.Clamp(MathF.Round((tuned[j] - original[j]) / scales[c]), -127, 127);
        }
        return (q, scales);
    }

    private static float[] AddChange(float[] original, ReadOnlySpan<sbyte> q, float[] scales)
    {
        if (q.Length != original.Length) throw new InvalidDataException("The tail's change has another size than the backbone's tensor.");
        int per = original.Length / scales.Length;
        var values = new float[original.Length];
        for (int j = 0; j < values.Length; j++) values[j] = original[j] + q[j] * scales[j / per];
        return values;
    }
}
