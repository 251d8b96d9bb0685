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
    public static ModelOutput[] Run(HeadParameters head, TrainingExamples examples) => Run(HeadGraph.Build(head), examples);

    /// <summary>The same for a head graph read from a version folder.</summary>
    public static ModelOutput[] Run(Onnx.ModelProto graph, TrainingExamples examples)
    {
        using var model = new OnnxModel(graph.ToByteArray(), new SessionSettings { IntraOpThreads = 1 });
        int rows = examples.Rows.Length, d = examples.Rows[0].Length, flips = examples.Flips;
        var input = new float[rows * d];
        for (int r = 0; r < rows; r++) examples.Rows[r].CopyTo(input, r * d);
        var outputs = model.Run(input, [rows, d]);

        int images = rows / flips;
        var result = new ModelOutput[images];
        for (int i = 0; i < images; i++)
        {
            var probs = new Dictionary<string, float[]>();
            foreach (var name in graph.Graph.Output.Select(x => x.Name).Where(n => n != HeadParameters.DistanceOutput))
            {
                int k = outputs[name].Length / rows;
                var mean = new float[k];
                for (int f = 0; f < flips; f++)
                    for (int c = 0; c < k; c++) mean[c] += outputs[name][(i * flips + f) * k + c] / flips;
                probs[name] = mean;
            }
            float distance = 0;
            for (int f = 0; f < flips; f++) distance += outputs[HeadParameters.DistanceOutput][i * flips + f] / flips;
            result[i] = new ModelOutput(probs, distance, []);
        }
        return result;
    }
}
