using CropVision.Serving.Predictions;
using Microsoft.AspNetCore.Mvc;

namespace CropVision.Api.Predictions;

/// <summary>One entry per uploaded image, in order: a result or its own error.</summary>
public sealed record BatchItem(int Index, string? FileName, PredictionResponse? Result, ProblemDetails? Error);

public sealed record BatchResponse(string Crop, IReadOnlyList<BatchItem> Results);
