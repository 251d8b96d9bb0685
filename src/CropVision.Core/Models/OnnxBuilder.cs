using Google.Protobuf;
using Onnx;

namespace CropVision.Core.Models;

/// <summary>Small helpers for writing ONNX graph nodes and tensors with the protobuf classes from OnnxSharp.</summary>
public static class OnnxBuilder
{
    /// <summary>The backbone is a CNTK export at opset 8; composed graphs keep that opset so its BatchNormalization stays valid.</summary>
    public const long Opset = 8;
    public const long IrVersion = 4;

    public static NodeProto Node(string op, string name, IEnumerable<string> inputs, IEnumerable<string> outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static TensorProto FloatTensor(string name, long[] dims, ReadOnlySpan<float> values)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange(dims);
        t.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values));
        return t;
    }

    public static TensorProto Int64Tensor(string name, params long[] values)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        t.Dims.Add(values.Length);
        t.Int64Data.AddRange(values);
        return t;
    }

    /// <summary>Reads a float initializer whatever way it was stored (raw bytes or the repeated field).</summary>
    /// <summary>
    /// Reads an ONNX file opened for reading only. OnnxSharp's <c>ParseFromFile</c> opens it read-write, which fails for
    /// a service user that may read but not write the file (the container image's root-owned /app and /app/models).
    /// </summary>
    public static ModelProto ReadModel(string path)
    {
        using var stream = File.OpenRead(path);
        return ModelProto.Parser.ParseFrom(stream);
    }

    public static float[] ReadFloats(TensorProto t)
    {
        if (t.FloatData.Count > 0) return [.. t.FloatData];
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray();
    }

    /// <summary>A float tensor value description; a null dimension is symbolic (named <paramref name="symbol"/>).</summary>
    public static ValueInfoProto FloatValue(string name, string symbol, params long?[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d is { } v ? new TensorShapeProto.Types.Dimension { DimValue = v } : new TensorShapeProto.Types.Dimension { DimParam = symbol });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    public static ModelProto NewModel(GraphProto graph, string docString, long opset = Opset)
    {
        var model = new ModelProto
        {
            IrVersion = opset >= 13 ? 7 : IrVersion,
            ProducerName = "CropVision",
            ProducerVersion = typeof(OnnxBuilder).Assembly.GetName().Version?.ToString() ?? "",
            DocString = docString,
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model;
    }

    public static void AddMetadata(ModelProto model, IEnumerable<KeyValuePair<string, string>> entries)
    {
        foreach (var (k, v) in entries) model.MetadataProps.Add(new StringStringEntryProto { Key = k, Value = v });
    }
}
