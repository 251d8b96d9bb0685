using System.Text.Json;
using System.Text.Json.Serialization;

namespace CropVision.Api.OpenInference;

// Shapes of the KServe / Triton Open Inference Protocol v2 (REST, JSON tensors).

public sealed record TensorMetadata(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("datatype")] string Datatype,
    [property: JsonPropertyName("shape")] long[] Shape);

public sealed record ModelMetadataResponse(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("versions")] string[] Versions,
    [property: JsonPropertyName("platform")] string Platform,
    [property: JsonPropertyName("inputs")] TensorMetadata[] Inputs,
    [property: JsonPropertyName("outputs")] TensorMetadata[] Outputs);

public sealed record ReadyResponse(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("ready")] bool Ready);

public sealed record LiveResponse([property: JsonPropertyName("live")] bool Live);

public sealed record ServerReadyResponse(
    [property: JsonPropertyName("ready")] bool Ready,
    [property: JsonPropertyName("models")] string[] Models,
    [property: JsonPropertyName("execution_provider")] string ExecutionProvider,
    [property: JsonPropertyName("fallback_reason")] string? FallbackReason);

public sealed record InferInput(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("shape")] long[] Shape,
    [property: JsonPropertyName("datatype")] string Datatype,
    [property: JsonPropertyName("data")] JsonElement Data);

public sealed record RequestedOutput([property: JsonPropertyName("name")] string Name);

public sealed record InferRequest(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("inputs")] InferInput[] Inputs,
    [property: JsonPropertyName("outputs")] RequestedOutput[]? Outputs);

public sealed record InferOutput(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("shape")] long[] Shape,
    [property: JsonPropertyName("datatype")] string Datatype,
    [property: JsonPropertyName("data")] float[] Data);

public sealed record InferResponse(
    [property: JsonPropertyName("model_name")] string ModelName,
    [property: JsonPropertyName("model_version")] string ModelVersion,
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("outputs")] InferOutput[] Outputs);
