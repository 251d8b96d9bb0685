namespace CropVision.Serving.Predictions;

public sealed record ModelRef(string Name, int Version);
public sealed record LabelProbability(string Label, string En, string Vi, double Probability);
public sealed record SeverityGrade(string Grade, string En, string Vi, double Probability);
public sealed record Advice(string En, string Vi);
public sealed record Timings(double DecodeMs, double QueueMs, double InferenceMs, int BatchSize);

/// <summary>One photo's diagnosis.</summary>
public sealed record PredictionResponse(
    string Crop,
    ModelRef Model,
    /// <summary>ok, uncertain, or rejected (the photo does not look like a leaf of this crop).</summary>
    string Status,
    /// <summary>How the photo was framed, judged from its shape: "wide" (a whole leaf) or "close-up"; it decides the views and which outputs are shown.</summary>
    string Framing,
    string Label,
    double Confidence,
    IReadOnlyList<LabelProbability> Predictions,
    /// <summary>Null when the model has no severity output, or did not learn it for this framing (a close-up shows no leaf-wide severity).</summary>
    SeverityGrade? Severity,
    IReadOnlyList<LabelProbability> OtherStresses,
    Advice Advice,
    Timings Timings);

/// <summary>
/// Several leaves, one diagnosis: the same fields as one photo's answer (so a client shows it with the same card), from
/// the combined probabilities of the leaves that are not rejected (see LeafCombiner for the rule). Severity is the
/// worst grade among those leaves. <c>Used</c>: the indices of the leaves the answer is made from.
/// </summary>
public sealed record CombinedDiagnosis(
    string Crop,
    ModelRef Model,
    string Status,
    string Framing,
    string Label,
    double Confidence,
    IReadOnlyList<LabelProbability> Predictions,
    SeverityGrade? Severity,
    IReadOnlyList<LabelProbability> OtherStresses,
    Advice Advice,
    IReadOnlyList<int> Used);
