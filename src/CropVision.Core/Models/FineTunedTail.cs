using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace CropVision.Core.Models;

/// <summary>
/// The fine-tuned tail of the backbone kept in a version folder, as ONNX files without nodes (parts of at most
/// <see cref="MaxPartBytes"/>, so each fits in git) holding only the tail's initializers: each weight tensor as its
/// change from the NuGet backbone's value, int8 per output channel (a symmetric scale per channel, in a companion
/// tensor named with <see cref="ScaleSuffix"/>), and the small 1-D ones (BatchNormalization scales, biases, running
/// statistics) as fp32 values. Everything else still comes from the NuGet
/// backbone; loading adds the changes to its graph (same names, same shapes), so the served graph is the backbone's
/// structure with the fine-tuned weights. fp16 of layer3's second block and layer4 would be 26 MB; the int8 change is
/// a quarter of that, and its rounding is a fraction of the change, not of the weight.
/// </summary>
public static class FineTunedTail
{
    /// <summary>The single tail file of versions written before tails were split into parts (still read).</summary>
    public const string LegacyFileName = "tail.onnx";
    /// <summary>Largest part file written: every file of a version stays under the 5 MB git allows.</summary>
    public const long MaxPartBytes = 4_900_000;
    /// <summary>Metadata key of the tail file naming the NuGet backbone's SHA-256 it was trained from.</summary>
    public const string BaseShaKey = "cropvision.base_sha256";
    /// <summary>Metadata key of a part file: "i/n", its place among the tail's parts.</summary>
    public const string PartKey = "cropvision.tail_part";
    public const string ScaleSuffix = "::delta_scale";
    /// <summary>How the manifest describes what the file holds.</summary>
    public const string Encoding = "weights as int8 per-channel changes from the NuGet backbone, 1-D tensors fp32";

    /// <summary>The file name of part <paramref name="part"/> (1-based): tail-1.onnx, tail-2.onnx, ...</summary>
    public static string PartFileName(int part) => $"tail-{part}.onnx";

    /// <summary>
    /// Writes the initializers <paramref name="names"/> of <paramref name="edited"/> (the backbone's graph with trained
    /// weights) as changes from <paramref name="original"/> (the NuGet backbone's graph) into <paramref name="folder"/>,
    /// as part files of at most <paramref name="maxPartBytes"/> each, filled in the graph's initializer order; a weight
    /// and its scales always share a part. Returns the part file names in order (what the manifest lists).
    /// </summary>
    public static IReadOnlyList<string> Write(string folder, GraphProto original, GraphProto edited, IEnumerable<string> names, string baseSha256, long maxPartBytes = MaxPartBytes)
    {
        var byName = edited.Initializer.ToDictionary(i => i.Name);
        var baseByName = original.Initializer.ToDictionary(i => i.Name);
        var order = edited.Initializer.Select((t, i) => (t.Name, i)).ToDictionary(x => x.Name, x => x.i);
        var units = new List<TensorProto[]>();
        foreach (var name in names.Distinct())
        {
            if (!byName.TryGetValue(name, out var tuned) || !baseByName.TryGetValue(name, out var source))
                throw new InvalidDataException($"The backbone graph has no initializer '{name}'.");
            units.Add(Encode(source, tuned));
        }
        units = [.. units.OrderBy(u => order[u[0].Name])];

        // Greedy packing, measured on the model as it will be serialized (with the widest "i/n" it could record).
        const string widest = "2147483647/2147483647";
        var parts = new List<GraphProto>();
        foreach (var unit in units)
        {
            if (parts.Count > 0)
            {
                var current = parts[^1];
                current.Initializer.AddRange(unit);
                if (PartModel(current, baseSha256, widest).CalculateSize() <= maxPartBytes) continue;
                for (int k = 0; k < unit.Length; k++) current.Initializer.RemoveAt(current.Initializer.Count - 1);
            }
            var alone = new GraphProto();
            alone.Initializer.AddRange(unit);
            long size = PartModel(alone, baseSha256, widest).CalculateSize();
            if (size > maxPartBytes)
                throw new InvalidDataException($"The tail tensor '{unit[0].Name}' alone needs {size:N0} bytes in a part file, over the {maxPartBytes:N0}-byte limit of a part; a part never splits a tensor.");
            parts.Add(alone);
        }
        if (parts.Count == 0) parts.Add(new GraphProto());

        Directory.CreateDirectory(folder);
        var files = new List<string>();
        for (int i = 0; i < parts.Count; i++)
        {
            var bytes = PartModel(parts[i], baseSha256, $"{i + 1}/{parts.Count}").ToByteArray();
            if (bytes.Length > maxPartBytes) throw new InvalidOperationException($"Tail part {i + 1} came to {bytes.Length:N0} bytes, over {maxPartBytes:N0}.");
            var file = PartFileName(i + 1);
            ModelVersionWriter.WriteFileAtomically(Path.Combine(folder, file), temp => File.WriteAllBytes(temp, bytes));
            files.Add(file);
        }
        return files;
    }

    /// <summary>One tensor as the tail stores it: a 1-D tensor as fp32, a weight as its int8 change and its scales.</summary>
    private static TensorProto[] Encode(TensorProto source, TensorProto tuned)
    {
        if (tuned.Dims.Count < 2) return [OnnxBuilder.FloatTensor(tuned.Name, [.. tuned.Dims], OnnxBuilder.ReadFloats(tuned))];
        var (q, scales) = QuantizeChange(OnnxBuilder.ReadFloats(source), OnnxBuilder.ReadFloats(tuned), (int)tuned.Dims[0]);
        var t = new TensorProto { Name = tuned.Name, DataType = (int)TensorProto.Types.DataType.Int8 };
        t.Dims.AddRange(tuned.Dims);
        t.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(q.AsSpan()));
        return [t, OnnxBuilder.FloatTensor(tuned.Name + ScaleSuffix, [scales.Length], scales)];
    }

    private static ModelProto PartModel(GraphProto initializers, string baseSha256, string part)
    {
        var g = new GraphProto { Name = "cropvision_fine_tuned_tail" };
        g.Initializer.AddRange(initializers.Initializer);
        var model = OnnxBuilder.NewModel(g, "CropVision fine-tuned backbone tail: changes added to the NuGet ResNet18's initializers at load.");
        OnnxBuilder.AddMetadata(model, [new(BaseShaKey, baseSha256), new(PartKey, part)]);
        return model;
    }

    /// <summary>
    /// The backbone with the weights of the tail's part files (<paramref name="paths"/>, in the manifest's order)
    /// swapped in (fp32 in the graph). Refuses, naming the file: a missing part, a part whose recorded "i/n" is not its
    /// place in the list, parts from different backbones (their SHA-256) or another backbone than this one, the same
    /// initializer in two parts, and any initializer the backbone lacks or holds in another shape.
    /// </summary>
    public static Backbone Apply(Backbone backbone, IReadOnlyList<string> paths)
    {
        if (paths.Count == 0) throw new InvalidDataException("The fine-tuned backbone tail lists no part files.");
        var parts = paths.Select((p, i) => ReadPart(p, i + 1, paths.Count)).ToList();
        var firstSha = BaseSha(parts[0]);
        for (int k = 1; k < parts.Count; k++)
            if (!string.Equals(BaseSha(parts[k]), firstSha, StringComparison.OrdinalIgnoreCase))
                throw new InvalidDataException($"{paths[k]} was fine-tuned from a backbone with SHA-256 {BaseSha(parts[k]) ?? "(none recorded)"}, but {paths[0]} (part 1 of the same tail) from {firstSha ?? "(none recorded)"}: the parts come from different fine-tunes.");
        if (!string.Equals(firstSha, backbone.Sha256(), StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"{paths[0]} was fine-tuned from a backbone with SHA-256 {firstSha ?? "(none recorded)"}, but {backbone.Path} has {backbone.Sha256()}.");
        var model = backbone.Model.Clone();
        var at = model.Graph.Initializer.Select((init, i) => (init.Name, i)).ToDictionary(x => x.Name, x => x.i);
        var heldBy = new Dictionary<string, string>();
        for (int k = 0; k < parts.Count; k++)
        {
            var path = paths[k];
            var scales = parts[k].Graph.Initializer.Where(t => t.Name.EndsWith(ScaleSuffix, StringComparison.Ordinal)).ToDictionary(t => t.Name);
            foreach (var t in parts[k].Graph.Initializer.Where(t => !scales.ContainsKey(t.Name)))
            {
                if (!heldBy.TryAdd(t.Name, path)) throw new InvalidDataException($"{path} holds '{t.Name}', which {heldBy[t.Name]} holds too.");
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
        }
        return backbone.WithModel(model);
    }

    /// <summary>One part file, refused when missing, unreadable or recording another place than <paramref name="part"/> of <paramref name="count"/>.</summary>
    private static ModelProto ReadPart(string path, int part, int count)
    {
        if (!File.Exists(path))
            throw new InvalidDataException(count == 1 ? $"{path} (the fine-tuned backbone tail) is missing." : $"{path} (part {part} of {count} of the fine-tuned backbone tail) is missing.");
        ModelProto tail;
        try { tail = OnnxFile.Read(path); }
        catch (InvalidProtocolBufferException e) { throw new InvalidDataException($"{path} is not a valid ONNX file: {e.Message}", e); }
        var recorded = tail.MetadataProps.FirstOrDefault(p => p.Key == PartKey)?.Value;
        // A single tail.onnx written before parts records none; every part of a split tail must.
        if (recorded is null && count == 1) return tail;
        if (recorded != $"{part}/{count}")
            throw new InvalidDataException($"{path} records {PartKey} {recorded ?? "(none)"}, but the manifest lists it as part {part} of {count}.");
        return tail;
    }

    private static string? BaseSha(ModelProto part) => part.MetadataProps.FirstOrDefault(p => p.Key == BaseShaKey)?.Value;

    /// <summary>How many backbone initializers the tail's part files replace (for reports).</summary>
    public static int Count(IEnumerable<string> paths) =>
        paths.Sum(path => OnnxFile.Read(path).Graph.Initializer.Count(t => !t.Name.EndsWith(ScaleSuffix, StringComparison.Ordinal)));

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
