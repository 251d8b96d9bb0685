using CropVision.Core.Inference;
using CropVision.Core.Models;
using Google.Protobuf;

namespace CropVision.Learning.Heads;

/// <summary>
/// Runs a head's ONNX graph on per-flip feature rows and averages each image's flips, exactly as the composed model
/// does after the backbone. Training uses it for every val score, so selection sees what serving will compute.
/// </summary>
public static class HeadEvaluator
{
    public static ModelOutput[] Run(HeadParameters head, TrainingExamples examples)
    {
        using var model = new OnnxModel(HeadGraph.Build(head).ToByteArray(), new SessionSettings { IntraOpThreads = 1 });
        int rows = examples.Rows.Length, d = head.FeatureSize, flips = examples.Flips;
        var input = new float[rows * d];
        for (int r = 0; r < rows; r++) examples.Rows[r].CopyTo(input, r * d);
        var outputs = model.Run(input, [rows, d]);

        int images = rows / flips;
        var result = new ModelOutput[images];
        for (int i = 0; i < images; i++)
        {
            var probs = new Dictionary<string, float[]>();
            foreach (var o in head.Outputs)
            {
                int k = o.Labels.Count;
                var mean = new float[k];
                for (int f = 0; f < flips; f++)
                    for (int c = 0; c < k; c++) mean[c] += outputs[o.Name][(i * flips + f) * k + c] / flips;
                probs[o.Name] = mean;
            }
            float distance = 0;
            for (int f = 0; f < flips; f++) distance += outputs[HeadParameters.DistanceOutput][i * flips + f] / flips;
            result[i] = new ModelOutput(probs, distance, []);
        }
        return result;
    }
}
