using Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CropVision.FineTuning.Torch;

/// <summary>
/// A part of an ONNX graph (every node needed to compute <c>to</c> from <c>from</c>) run op by op in TorchSharp,
/// with the ONNX initializers as trainable parameters. Only the ops the ResNet18 backbone uses are known: Conv,
/// BatchNormalization (opset 8, spatial), Relu, Add, MaxPool, AveragePool; anything else is refused when built.
/// Callers keep forward (and backward) inside a <c>torch.NewDisposeScope()</c>: the intermediate maps live in it.
/// </summary>
public sealed class OnnxTorchGraph : nn.Module<Tensor, Tensor>
{
    private readonly List<Step> _steps = [];
    private readonly string _input, _output;
    private readonly Dictionary<string, int> _lastUse = [];

    public OnnxTorchGraph(GraphProto graph, string from, string to, string name = "onnx_graph") : base(name)
    {
        _input = from;
        _output = to;
        var initializers = graph.Initializer.ToDictionary(i => i.Name);
        var producer = new Dictionary<string, NodeProto>();
        foreach (var n in graph.Node) foreach (var o in n.Output) producer[o] = n;

        // The nodes between from and to, in graph order (ONNX nodes are topologically sorted).
        var needed = new HashSet<NodeProto>();
        var pending = new Stack<string>([to]);
        while (pending.Count > 0)
        {
            var tensor = pending.Pop();
            if (tensor == from || initializers.ContainsKey(tensor)) continue;
            if (!producer.TryGetValue(tensor, out var node))
                throw new InvalidDataException($"'{tensor}' is needed for '{to}' but is neither '{from}', an initializer nor a node's output.");
            if (needed.Add(node)) foreach (var i in node.Input.Where(i => i.Length > 0)) pending.Push(i);
        }
        foreach (var node in graph.Node.Where(needed.Contains))
            _steps.Add(Build(node, initializers, _steps.Count));
        for (int i = 0; i < _steps.Count; i++)
            foreach (var input in _steps[i].Node.Input) _lastUse[input] = i;
    }

    /// <summary>The ONNX op types in the order they run.</summary>
    public IReadOnlyList<string> Ops => [.. _steps.Select(s => s.Node.OpType)];

    /// <summary>The TorchSharp parameter that holds the ONNX initializer <paramref name="initializer"/>, if this part uses it.</summary>
    public Parameter? ParameterFor(string initializer) =>
        _steps.SelectMany(s => s.Parameters).FirstOrDefault(p => p.Initializer == initializer).Value;

    /// <summary>Every parameter with the ONNX initializer it came from (to write the trained values back).</summary>
    public IEnumerable<(string Initializer, Parameter Value)> InitializerParameters() => _steps.SelectMany(s => s.Parameters);

    /// <summary>
    /// Writes the current parameters and running statistics into <paramref name="graph"/>'s initializers of the same
    /// names (same shapes), so ONNX Runtime computes what this module computes in eval mode.
    /// </summary>
    public void WriteInitializers(GraphProto graph)
    {
        using var _ = torch.no_grad();
        foreach (var (name, value) in InitializerParameters().Select(p => (p.Initializer, (Tensor)p.Value)).Concat(InitializerBuffers()))
        {
            int at = graph.Initializer.ToList().FindIndex(i => i.Name == name);
            if (at < 0) throw new InvalidDataException($"The graph has no initializer '{name}'.");
            var dims = graph.Initializer[at].Dims.ToArray();
            graph.Initializer[at] = Core.Models.OnnxBuilder.FloatTensor(name, dims, value.detach().cpu().data<float>().ToArray());
        }
    }

    public override Tensor forward(Tensor input)
    {
        var values = new Dictionary<string, Tensor> { [_input] = input };
        for (int i = 0; i < _steps.Count; i++)
        {
            values[_steps[i].Node.Output[0]] = _steps[i].Run(values, training);
            // A map no later node reads is released now rather than at the end of the caller's scope (a batch of
            // 224px views holds gigabytes otherwise); autograd keeps its own reference to what backward needs.
            foreach (var name in _steps[i].Node.Input)
                if (_lastUse.GetValueOrDefault(name, -1) == i && name != _input && name != _output && values.Remove(name, out var done))
                    done.Dispose();
        }
        return values[_output];
    }

    private Step Build(NodeProto node, Dictionary<string, TensorProto> initializers, int index)
    {
        if (node.Output.Count != 1 && node.OpType != "BatchNormalization")
            throw new NotSupportedException($"{node.OpType} node '{node.Name}' has {node.Output.Count} outputs.");
        var step = new Step(node);
        Parameter Param(string init, string role, bool trainable = true)
        {
            var t = initializers[init];
            var p = new Parameter(FromFloats(Core.Models.OnnxBuilder.ReadFloats(t), [.. t.Dims]), trainable);
            register_parameter($"n{index}_{role}", p);
            step.Parameters.Add((init, p));
            return p;
        }
        switch (node.OpType)
        {
            case "Conv":
                step.Weight = Param(node.Input[1], "weight");
                if (node.Input.Count > 2 && node.Input[2].Length > 0) step.Bias = Param(node.Input[2], "bias");
                break;
            case "BatchNormalization":
                if (Attr(node, "spatial")?.I is long spatial && spatial != 1)
                    throw new NotSupportedException($"BatchNormalization '{node.Name}' has spatial={spatial}; only per-channel statistics are mapped.");
                step.Weight = Param(node.Input[1], "scale");
                step.Bias = Param(node.Input[2], "bias");
                // Running statistics are buffers, as in torch.nn.BatchNorm2d: updated in training mode, never by gradients.
                step.Mean = FromFloats(Core.Models.OnnxBuilder.ReadFloats(initializers[node.Input[3]]), [initializers[node.Input[3]].Dims[0]]);
                step.Variance = FromFloats(Core.Models.OnnxBuilder.ReadFloats(initializers[node.Input[4]]), [initializers[node.Input[4]].Dims[0]]);
                register_buffer($"n{index}_mean", step.Mean);
                register_buffer($"n{index}_var", step.Variance);
                step.MeanInitializer = node.Input[3];
                step.VarianceInitializer = node.Input[4];
                break;
            case "Relu" or "Add" or "MaxPool" or "AveragePool":
                break;
            default:
                throw new NotSupportedException($"ONNX op {node.OpType} ('{node.Name}') is not mapped to TorchSharp.");
        }
        return step;
    }

    /// <summary>Running mean and variance buffers of each BatchNormalization, by ONNX initializer name.</summary>
    public IEnumerable<(string Initializer, Tensor Value)> InitializerBuffers() =>
        _steps.Where(s => s.Mean is not null).SelectMany(s => new[] { (s.MeanInitializer!, s.Mean!), (s.VarianceInitializer!, s.Variance!) });

    // A copy owned by LibTorch: a tensor over a managed array must not outlive the array's pinning.
    private static Tensor FromFloats(float[] values, long[] dims)
    {
        using var view = torch.tensor(values, dims);
        return view.clone();
    }

    internal static AttributeProto? Attr(NodeProto node, string name) => node.Attribute.FirstOrDefault(a => a.Name == name);

    private static long[] Ints(NodeProto node, string name, long[] fallback) =>
        Attr(node, name) is { } a && a.Ints.Count > 0 ? [.. a.Ints] : fallback;

    private sealed class Step(NodeProto node)
    {
        public NodeProto Node { get; } = node;
        public List<(string Initializer, Parameter Value)> Parameters { get; } = [];
        public Parameter? Weight, Bias;
        public Tensor? Mean, Variance;
        public string? MeanInitializer, VarianceInitializer;

        public Tensor Run(Dictionary<string, Tensor> values, bool training)
        {
            var x = values[Node.Input[0]];
            switch (Node.OpType)
            {
                case "Relu": return nn.functional.relu(x);
                case "Add": return x + values[Node.Input[1]];
                case "Conv":
                    {
                        var kernel = Weight!.shape[2..];
                        var strides = Ints(Node, "strides", [1, 1]);
                        var dilations = Ints(Node, "dilations", [1, 1]);
                        var padded = Pad(x, Pads(x, kernel, strides, dilations), 0);
                        return nn.functional.conv2d(padded, Weight, Bias, strides: strides, dilation: dilations, groups: Attr(Node, "group")?.I ?? 1);
                    }
                case "BatchNormalization":
                    {
                        // ONNX: y = scale * (x - mean) / sqrt(var + epsilon) + B, per channel (spatial = 1). Its momentum
                        // weighs the old running value; torch's weighs the new batch, hence 1 - momentum.
                        double eps = Attr(Node, "epsilon")?.F ?? 1e-5f;
                        double momentum = 1 - (Attr(Node, "momentum")?.F ?? 0.9f);
                        return nn.functional.batch_norm(x, Mean!, Variance!, Weight, Bias, training, momentum, eps);
                    }
                case "MaxPool":
                    {
                        var kernel = Ints(Node, "kernel_shape", []);
                        var strides = Ints(Node, "strides", [1, 1]);
                        var padded = Pad(x, Pads(x, kernel, strides, [1, 1]), double.NegativeInfinity);
                        return nn.functional.max_pool2d(padded, kernel, strides);
                    }
                case "AveragePool":
                    {
                        var kernel = Ints(Node, "kernel_shape", []);
                        var strides = Ints(Node, "strides", [1, 1]);
                        var pads = Pads(x, kernel, strides, [1, 1]);
                        if (pads.Any(p => p != 0) && (Attr(Node, "count_include_pad")?.I ?? 0) == 0)
                            throw new NotSupportedException($"AveragePool '{Node.Name}' pads without counting the padding.");
                        return nn.functional.avg_pool2d(Pad(x, pads, 0), kernel, strides);
                    }
                default: throw new NotSupportedException(Node.OpType);
            }
        }

        /// <summary>ONNX pads [top, left, bottom, right], explicit or from auto_pad (SAME_UPPER puts the odd one at the end).</summary>
        private long[] Pads(Tensor x, long[] kernel, long[] strides, long[] dilations)
        {
            var auto = Attr(Node, "auto_pad")?.S.ToStringUtf8() ?? "NOTSET";
            if (auto is "NOTSET" or "VALID" or "") return auto == "VALID" ? [0, 0, 0, 0] : Ints(Node, "pads", [0, 0, 0, 0]);
            var pads = new long[4];
            for (int d = 0; d < 2; d++)
            {
                long size = x.shape[2 + d], output = (size + strides[d] - 1) / strides[d];
                long total = Math.Max(0, (output - 1) * strides[d] + (kernel[d] - 1) * dilations[d] + 1 - size);
                long small = total / 2, large = total - small;
                (pads[d], pads[d + 2]) = auto == "SAME_LOWER" ? (large, small) : (small, large);
            }
            return pads;
        }

        private static Tensor Pad(Tensor x, long[] onnxPads, double value) =>
            onnxPads.All(p => p == 0) ? x
            // torch orders pads from the last dimension: left, right, top, bottom.
            : nn.functional.pad(x, [onnxPads[1], onnxPads[3], onnxPads[0], onnxPads[2]], PaddingModes.Constant, value);
    }
}
