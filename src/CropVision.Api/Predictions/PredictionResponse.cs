namespace CropVision.Api.Predictions;

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
    string Label,
    double Confidence,
    IReadOnlyList<LabelProbability> Predictions,
    SeverityGrade? Severity,
    IReadOnlyList<LabelProbability> OtherStresses,
    Advice Advice,
    Timings Timings);

/// <summary>One entry per uploaded image, in order: a result or its own error.</summary>
public sealed record BatchItem(int Index, string? FileName, PredictionResponse? Result, Microsoft.AspNetCore.Mvc.ProblemDetails? Error);

public sealed record BatchResponse(string Crop, IReadOnlyList<BatchItem> Results);
