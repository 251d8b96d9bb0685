using CropVision.Core.Inference;
using Onnx;

namespace CropVision.Core.Models.Quantization;

/// <summary>
/// Measures the range of every activation the int8 backbone quantizes, by running the fp32 backbone (BatchNormalization
/// folded, as it will be quantized) over preprocessed photos.
/// </summary>
public static class Int8Calibrator
{
    /// <param name="images">Preprocessed photos (the shared preprocessing's tensors), each <paramref name="viewsPerImage"/> views.</param>
    /// <param name="percentile">null: min/max over everything seen; else the mean over photos of each photo's percentile (e.g. 99.99) at both ends.</param>
    public static Int8Calibration Calibrate(Backbone backbone, IEnumerable<float[]> images, int viewsPerImage, double? percentile, string data, bool reduceRange, Action? progress = null)
    {
        var folded = backbone.Folded();
        var tensors = Int8Quantizer.ActivationTensors(folded.Model.Graph).ToList();
        var featurizer = GraphComposer.BuildFeaturizer(folded, ["layer4"]);
        foreach (var t in tensors.Where(t => featurizer.Graph.Output.All(o => o.Name != t)))
            featurizer.Graph.Output.Add(new ValueInfoProto { Name = t, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } } });
        using var session = new OnnxModel(Google.Protobuf.MessageExtensions.ToByteArray(featurizer));

        var lows = tensors.ToDictionary(t => t, _ => new List<float>());
        var highs = tensors.ToDictionary(t => t, _ => new List<float>());
        int count = 0;
        foreach (var image in images)
        {
            var outputs = session.Run(image, [viewsPerImage, 3, Backbone.InputSize, Backbone.InputSize]);
            foreach (var t in tensors)
            {
                var (lo, hi) = percentile is { } p ? Percentiles(outputs[t], p) : MinMax(outputs[t]);
                lows[t].Add(lo);
                highs[t].Add(hi);
            }
            count++;
            progress?.Invoke();
        }
        if (count == 0) throw new InvalidDataException("No photo to calibrate on.");
        var activations = new SortedDictionary<string, ActivationQuantization>(StringComparer.Ordinal);
        foreach (var t in tensors)
            activations[t] = percentile is null
                ? ActivationQuantization.FromRange(lows[t].Min(), highs[t].Max())
                : ActivationQuantization.FromRange(lows[t].Average(), highs[t].Average());
        return new Int8Calibration
        {
            Method = percentile is { } q ? $"percentile {q.ToString(System.Globalization.CultureInfo.InvariantCulture)} (mean over photos)" : "minmax",
            Data = data,
            Images = count,
            ReduceRange = reduceRange,
            Activations = activations,
        };
    }

    private static (float, float) MinMax(float[] v)
    {
        float lo = float.MaxValue, hi = float.MinValue;
        foreach (var x in v) { lo = Math.Min(lo, x); hi = Math.Max(hi, x); }
        return (lo, hi);
    }

    /// <summary>The p-th and (100-p)-th percentiles, on every 3rd value (a sample: sorting millions per photo is slow).</summary>
    private static (float, float) Percentiles(float[] v, double p)
    {
        var sample = new float[(v.Length + 2) / 3];
        for (int i = 0, j = 0; i < v.Length; i += 3, j++) sample[j] = v[i];
        Array.Sort(sample);
        int hi = (int)Math.Min(sample.Length - 1, Math.Round(p / 100 * (sample.Length - 1)));
        int lo = (int)Math.Max(0, Math.Round((1 - p / 100) * (sample.Length - 1)));
        return (sample[lo], sample[hi]);
    }
}
