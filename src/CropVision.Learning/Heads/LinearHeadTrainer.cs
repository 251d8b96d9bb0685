using CropVision.Core.Models;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace CropVision.Learning.Heads;

/// <summary>
/// Fits the linear outputs of a head with ML.NET's L-BFGS trainers on standardized features (multinomial logistic
/// regression for a class, binary logistic regression per stress flag) and reads the weights back out so the head can
/// be written as ONNX. Labels go in as strings and the class order is read from the key annotations, which avoids
/// ML.NET's off-by-one trap with numeric keys.
/// </summary>
public sealed class LinearHeadTrainer(int seed)
{
    private readonly MLContext _ml = new(seed);

    private sealed class ClassRow { public string Label { get; set; } = ""; public float Weight { get; set; } = 1; [VectorType] public float[] Features { get; set; } = []; }
    private sealed class BinaryRow { public bool Label { get; set; } [VectorType] public float[] Features { get; set; } = []; }

    /// <summary>
    /// Softmax regression. <paramref name="labels"/> fixes the output order; every row's label must be one of them.
    /// <paramref name="rowWeights"/> (optional, one per row) scales each row's share of the loss.
    /// </summary>
    public LinearOutput FitMulticlass(string name, float[][] z, IReadOnlyList<string> rowLabels, IReadOnlyList<string> labels, float l2, IReadOnlyList<float>? rowWeights = null)
    {
        int d = z[0].Length;
        var schema = SchemaDefinition.Create(typeof(ClassRow));
        schema[nameof(ClassRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, d);
        var data = _ml.Data.LoadFromEnumerable(z.Select((row, i) => new ClassRow { Label = rowLabels[i], Weight = rowWeights?[i] ?? 1, Features = row }), schema);
        var pipeline = _ml.Transforms.Conversion.MapValueToKey("LabelKey", nameof(ClassRow.Label))
            .Append(_ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new LbfgsMaximumEntropyMulticlassTrainer.Options
            {
                LabelColumnName = "LabelKey",
                FeatureColumnName = nameof(ClassRow.Features),
                ExampleWeightColumnName = rowWeights is null ? null : nameof(ClassRow.Weight),
                L2Regularization = l2,
                L1Regularization = 0,
                OptimizationTolerance = 1e-7f,
                MaximumNumberOfIterations = 1000,
                NumberOfThreads = 1, // deterministic results
            }));
        var model = pipeline.Fit(data);
        var keyNames = default(VBuffer<ReadOnlyMemory<char>>);
        model.First().GetOutputSchema(data.Schema)["LabelKey"].GetKeyValues(ref keyNames);
        var trained = keyNames.DenseValues().Select(k => k.ToString()).ToList();

        var parameters = model.LastTransformer.Model;
        var weights = default(VBuffer<float>[]);
        parameters.GetWeights(ref weights, out int classes);
        var biases = parameters.GetBiases().ToArray();

        // Re-order into the requested label order; a label absent from training gets a very low logit.
        var w = new float[labels.Count * d];
        var b = new float[labels.Count];
        for (int c = 0; c < labels.Count; c++)
        {
            int k = trained.IndexOf(labels[c]);
            if (k < 0) { b[c] = -30f; continue; }
            weights![k].DenseValues().ToArray().CopyTo(w, c * d);
            b[c] = biases[k];
        }
        return new LinearOutput(name, LinearOutput.Softmax, labels, w, b);
    }

    /// <summary>One logistic regression per flag, stacked into a sigmoid output.</summary>
    public LinearOutput FitMultiLabel(string name, float[][] z, IReadOnlyList<bool[]> rowFlags, IReadOnlyList<string> labels, float l2)
    {
        int d = z[0].Length;
        var w = new float[labels.Count * d];
        var b = new float[labels.Count];
        var schema = SchemaDefinition.Create(typeof(BinaryRow));
        schema[nameof(BinaryRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, d);
        for (int c = 0; c < labels.Count; c++)
        {
            int positives = rowFlags.Count(f => f[c]);
            if (positives == 0 || positives == rowFlags.Count) { b[c] = positives == 0 ? -30f : 30f; continue; }
            var data = _ml.Data.LoadFromEnumerable(z.Select((row, i) => new BinaryRow { Label = rowFlags[i][c], Features = row }), schema);
            var model = _ml.BinaryClassification.Trainers.LbfgsLogisticRegression(new LbfgsLogisticRegressionBinaryTrainer.Options
            {
                LabelColumnName = nameof(BinaryRow.Label),
                FeatureColumnName = nameof(BinaryRow.Features),
                L2Regularization = l2,
                L1Regularization = 0,
                OptimizationTolerance = 1e-7f,
                MaximumNumberOfIterations = 1000,
                NumberOfThreads = 1,
            }).Fit(data);
            var linear = model.Model.SubModel;
            linear.Weights.ToArray().CopyTo(w, c * d);
            b[c] = linear.Bias;
        }
        return new LinearOutput(name, LinearOutput.Sigmoid, labels, w, b);
    }
}
