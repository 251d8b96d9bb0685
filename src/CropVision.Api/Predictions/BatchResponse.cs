using CropVision.Serving.Predictions;
using Microsoft.AspNetCore.Mvc;

namespace CropVision.Api.Predictions;

/// <summary>One entry per uploaded image, in order: a result or its own error.</summary>
public sealed record BatchItem(int Index, string? FileName, PredictionResponse? Result, ProblemDetails? Error);

public sealed record BatchResponse(string Crop, IReadOnlyList<BatchItem> Results);

/// <summary>One leaf of a combined diagnosis: its own result or error, and whether it counted in the combined answer.</summary>
public sealed record LeafItem(int Index, string? FileName, bool Used, PredictionResponse? Result, ProblemDetails? Error);

/// <summary>Several leaves, one answer (<c>POST /v1/predict/combined</c>): the combined diagnosis and each leaf underneath.</summary>
public sealed record CombinedResponse(string Crop, CombinedDiagnosis Combined, IReadOnlyList<LeafItem> Leaves);
