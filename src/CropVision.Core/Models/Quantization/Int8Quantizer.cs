using Google.Protobuf;
using Onnx;
using static CropVision.Core.Models.OnnxBuilder;

namespace CropVision.Core.Models.Quantization;

/// <summary>
/// Turns the fp32 ResNet18 backbone into the QDQ form stock ONNX Runtime fuses into QLinearConv/QLinearAdd:
/// BatchNormalization folded into the convolutions, per-channel symmetric int8 weights (int32 biases at
/// input scale x weight scale), and a QuantizeLinear/DequantizeLinear pair (uint8, per tensor) on every activation a
/// Conv, Add or MaxPool reads. Deterministic: the same backbone and calibration give the same bytes.
/// </summary>
public static class Int8Quantizer
{
    /// <summary>QuantizeLinear with per-channel axes needs opset 13.</summary>
    public const long Opset = 13;
    public const long IrVersion = 7;
    public const string DequantizedSuffix = "_dq";

    /// <summary>The backbone with every BatchNormalization folded into the Conv before it (what ONNX Runtime does at load, done here so the weights are quantized as they are used).</summary>
    public static ModelProto FoldBatchNorm(ModelProto backbone)
    {
        var src = backbone.Graph;
        var inits = src.Initializer.ToDictionary(i => i.Name);
        var consumers = src.Node.SelectMany(n => n.Input.Select(i => (i, n))).ToLookup(p => p.i, p => p.n);
        var g = new GraphProto { Name = src.Name };
        g.Input.AddRange(src.Input.Where(i => !inits.ContainsKey(i.Name)).Select(i => i.Clone()));
        g.Output.AddRange(src.Output.Select(o => o.Clone()));
        var replaced = new Dictionary<string, string>(); // BN output -> folded Conv output
        var usedInits = new HashSet<string>();
        var newInits = new List<TensorProto>();
        foreach (var node in src.Node)
        {
            if (node.OpType == "BatchNormalization") continue; // folded into its Conv below
            var n = node.Clone();
            for (int i = 0; i < n.Input.Count; i++) if (replaced.TryGetValue(n.Input[i], out var r)) n.Input[i] = r;
            if (n.OpType == "Conv" && consumers[n.Output[0]].ToList() is [{ OpType: "BatchNormalization" } bn])
            {
                var w = ReadFloats(inits[n.Input[1]]);
                var dims = inits[n.Input[1]].Dims.ToArray();
                int c = (int)dims[0], per = w.Length / c;
                var bias = n.Input.Count > 2 && n.Input[2] != "" ? ReadFloats(inits[n.Input[2]]) : new float[c];
                var gamma = ReadFloats(inits[bn.Input[1]]); var beta = ReadFloats(inits[bn.Input[2]]);
                var mean = ReadFloats(inits[bn.Input[3]]); var variance = ReadFloats(inits[bn.Input[4]]);
                float eps = bn.Attribute.FirstOrDefault(a => a.Name == "epsilon")?.F ?? 1e-5f;
                var fw = new float[w.Length]; var fb = new float[c];
                for (int k = 0; k < c; k++)
                {
                    float s = gamma[k] / MathF.Sqrt(variance[k] + eps);
                    for (int j = 0; j < per; j++) fw[k * per + j] = w[k * per + j] * s;
                    fb[k] = (bias[k] - mean[k]) * s + beta[k];
                }
                newInits.Add(FloatTensor(n.Name + "_W_folded", dims, fw));
                newInits.Add(FloatTensor(n.Name + "_B_folded", [c], fb));
                n.Input.Clear();
                n.Input.AddRange([node.Input[0], n.Name + "_W_folded", n.Name + "_B_folded"]);
                if (replaced.TryGetValue(n.Input[0], out var r0)) n.Input[0] = r0;
                n.Output[0] = bn.Output[0]; // the Conv now produces what the BN did
            }
            foreach (var i in n.Input) if (inits.ContainsKey(i)) usedInits.Add(i);
            g.Node.Add(n);
        }
        g.Initializer.AddRange(src.Initializer.Where(i => usedInits.Contains(i.Name)));
        g.Initializer.AddRange(newInits);
        var model = new ModelProto { IrVersion = IrVersion, ProducerName = "CropVision", Graph = g };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        return model;
    }

    /// <summary>The activation tensors that get a Q/DQ pair: every non-constant input of a Conv (data input), Add or MaxPool, in graph order.</summary>
    public static List<string> ActivationTensors(GraphProto folded)
    {
        var inits = folded.Initializer.Select(i => i.Name).ToHashSet();
        var list = new List<string>();
        foreach (var n in folded.Node)
        {
            var inputs = n.OpType switch { "Conv" or "MaxPool" => n.Input.Take(1), "Add" => n.Input, _ => [] };
            foreach (var i in inputs) if (!inits.Contains(i) && !list.Contains(i)) list.Add(i);
        }
        return list;
    }

    /// <summary>
    /// MaxPool's output must keep its input's scale and zero point so ONNX Runtime drops the Q/DQ around it and pools uint8 directly.
    /// Returns tensor name -> the tensor whose calibration it shares.
    /// </summary>
    public static Dictionary<string, string> SharedRanges(GraphProto folded) =>
        folded.Node.Where(n => n.OpType == "MaxPool").ToDictionary(n => n.Output[0], n => n.Input[0]);

    /// <summary>The folded backbone in QDQ form, per <paramref name="calibration"/>.</summary>
    public static ModelProto Quantize(ModelProto backbone, Int8Calibration calibration)
    {
        var folded = FoldBatchNorm(backbone);
        var src = folded.Graph;
        var inits = src.Initializer.ToDictionary(i => i.Name);
        var activations = ActivationTensors(src);
        var shared = SharedRanges(src);
        ActivationQuantization Params(string t)
        {
            var key = shared.TryGetValue(t, out var s) ? s : t;
            return calibration.Activations.TryGetValue(key, out var q) ? q
                : throw new InvalidDataException($"The int8 calibration has no range for backbone tensor '{key}'.");
        }

        var g = new GraphProto { Name = src.Name + "_int8_qdq" };
        g.Input.AddRange(src.Input.Select(i => i.Clone()));
        g.Output.AddRange(src.Output.Select(o => o.Clone()));
        var weightInits = new HashSet<string>();
        string Dq(string t) => activations.Contains(t) ? t + DequantizedSuffix : t;

        void AddQdq(string t)
        {
            var q = Params(t);
            g.Initializer.Add(ScalarFloat(t + "_scale", q.Scale));
            g.Initializer.Add(new TensorProto { Name = t + "_zero_point", DataType = (int)TensorProto.Types.DataType.Uint8, RawData = ByteString.CopyFrom((byte)q.ZeroPoint) });
            g.Node.Add(Node("QuantizeLinear", t + "_quantize", [t, t + "_scale", t + "_zero_point"], [t + "_q"]));
            g.Node.Add(Node("DequantizeLinear", t + "_dequantize", [t + "_q", t + "_scale", t + "_zero_point"], [t + DequantizedSuffix]));
        }

        foreach (var input in src.Input) if (activations.Contains(input.Name)) AddQdq(input.Name);
        foreach (var node in src.Node)
        {
            var n = node.Clone();
            for (int i = 0; i < n.Input.Count; i++) n.Input[i] = Dq(n.Input[i]);
            if (n.OpType == "Conv")
            {
                var weight = inits[node.Input[1]];
                var bias = node.Input.Count > 2 && node.Input[2] != "" ? inits[node.Input[2]] : FloatTensor(n.Name + "_B_zero", [weight.Dims[0]], new float[weight.Dims[0]]);
                var (w, b) = QuantizeConv(g, n.Name, weight, bias, Params(node.Input[0]).Scale, calibration.ReduceRange);
                n.Input[1] = w;
                if (n.Input.Count > 2) n.Input[2] = b; else n.Input.Add(b);
                weightInits.Add(weight.Name); weightInits.Add(bias.Name);
            }
            g.Node.Add(n);
            foreach (var o in n.Output) if (activations.Contains(o)) AddQdq(o);
        }
        foreach (var init in src.Initializer) if (!weightInits.Contains(init.Name)) g.Initializer.Add(init);
        var model = new ModelProto { IrVersion = IrVersion, ProducerName = "CropVision", Graph = g };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        return model;
    }

    /// <summary>Per-output-channel symmetric int8 weights and int32 bias; returns the names of their dequantized tensors.</summary>
    private static (string Weight, string Bias) QuantizeConv(GraphProto g, string conv, TensorProto weight, TensorProto bias, float inputScale, bool reduceRange)
    {
        var w = ReadFloats(weight);
        var b = ReadFloats(bias);
        int c = (int)weight.Dims[0], per = w.Length / c;
        int qmax = reduceRange ? 63 : 127;
        var q = new sbyte[w.Length];
        var scales = new float[c];
        var biasScales = new float[c];
        var qb = new int[c];
        for (int k = 0; k < c; k++)
        {
            float max = 0;
            for (int j = 0; j < per; j++) max = Math.Max(max, Math.Abs(w[k * per + j]));
            float s = max > 0 ? max / qmax : 1f;
            scales[k] = s;
            for (int j = 0; j < per; j++) q[k * per + j] = (sbyte)Math.Clamp(Math.Round(w[k * per + j] / s, MidpointRounding.ToEven), -qmax, qmax);
            biasScales[k] = inputScale * s;
            qb[k] = (int)Math.Clamp(Math.Round(b[k] / biasScales[k], MidpointRounding.ToEven), int.MinValue, int.MaxValue);
        }
        var wq = new TensorProto { Name = conv + "_W_int8", DataType = (int)TensorProto.Types.DataType.Int8, RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes<sbyte>(q)) };
        wq.Dims.AddRange(weight.Dims);
        g.Initializer.Add(wq);
        g.Initializer.Add(FloatTensor(conv + "_W_scale", [c], scales));
        g.Initializer.Add(new TensorProto { Name = conv + "_W_zero_point", DataType = (int)TensorProto.Types.DataType.Int8, Dims = { c }, RawData = ByteString.CopyFrom(new byte[c]) });
        g.Node.Add(Node("DequantizeLinear", conv + "_W_dequantize", [conv + "_W_int8", conv + "_W_scale", conv + "_W_zero_point"], [conv + "_W_dq"], Int("axis", 0)));
        var bq = new TensorProto { Name = conv + "_B_int32", DataType = (int)TensorProto.Types.DataType.Int32, Dims = { c }, RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes<int>(qb)) };
        g.Initializer.Add(bq);
        g.Initializer.Add(FloatTensor(conv + "_B_scale", [c], biasScales));
        g.Initializer.Add(new TensorProto { Name = conv + "_B_zero_point", DataType = (int)TensorProto.Types.DataType.Int32, Dims = { c }, RawData = ByteString.CopyFrom(new byte[4 * c]) });
        g.Node.Add(Node("DequantizeLinear", conv + "_B_dequantize", [conv + "_B_int32", conv + "_B_scale", conv + "_B_zero_point"], [conv + "_B_dq"], Int("axis", 0)));
        return (conv + "_W_dq", conv + "_B_dq");
    }

    private static TensorProto ScalarFloat(string name, float value) => FloatTensor(name, [], [value]);
}
