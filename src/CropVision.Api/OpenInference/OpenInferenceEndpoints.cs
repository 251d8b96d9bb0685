using System.Globalization;
using System.Text.Json;
using CropVision.Api.Predictions;
using CropVision.Core.Models;
using CropVision.Serving.Batching;
using CropVision.Serving.Predictions;
using CropVision.Serving.Registry;
using Microsoft.AspNetCore.Http.HttpResults;
using static CropVision.Api.Http.Problems;

namespace CropVision.Api.OpenInference;

/// <summary>
/// KServe / Triton Open Inference Protocol v2, so existing clients can call the service. A model's name is its crop;
/// its input is the preprocessed image tensor (the same as the exported ONNX file's), its outputs the model's.
/// Errors are problem details that also carry the protocol's "error" member.
/// </summary>
public static class OpenInferenceEndpoints
{
    public const string ImageInput = GraphComposer.ImageInput;

    public static IEndpointRouteBuilder MapOpenInferenceApi(this IEndpointRouteBuilder app)
    {
        var v2 = app.MapGroup("/v2").WithTags("Open Inference Protocol v2");
        v2.MapGet("/health/live", () => TypedResults.Ok(new LiveResponse(true)));
        v2.MapGet("/health/ready", ServerReady).Produces<ServerReadyResponse>(StatusCodes.Status503ServiceUnavailable);

        var model = v2.MapGroup("/models/{name}").ProducesProblem(StatusCodes.Status404NotFound);
        model.MapGet("/", (string name, ModelRegistry r) => Metadata(name, null, r));
        model.MapGet("/versions/{version}", (string name, string version, ModelRegistry r) => Metadata(name, version, r));
        model.MapGet("/ready", (string name, ModelRegistry r) => Ready(name, null, r));
        model.MapGet("/versions/{version}/ready", (string name, string version, ModelRegistry r) => Ready(name, version, r));
        model.MapPost("/infer", (string name, InferRequest request, ModelRegistry r, PredictionService p, HttpContext http) => Infer(name, null, request, r, p, http))
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        model.MapPost("/versions/{version}/infer", (string name, string version, InferRequest request, ModelRegistry r, PredictionService p, HttpContext http) => Infer(name, version, request, r, p, http))
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    private static Results<Ok<ServerReadyResponse>, JsonHttpResult<ServerReadyResponse>> ServerReady(ModelRegistry registry)
    {
        var body = new ServerReadyResponse(registry.IsReady, [.. registry.Served.Select(s => s.Crop)], registry.Provider.Name, registry.Provider.FallbackReason);
        return registry.IsReady ? TypedResults.Ok(body) : TypedResults.Json(body, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    private static ServedModel? Find(string name, string? version, ModelRegistry registry) =>
        registry.Get(name) is { } s && (version is null || version == s.Version.ToString(CultureInfo.InvariantCulture)) ? s : null;

    private static ProblemHttpResult NotFound(string name, string? version, ModelRegistry registry) =>
        Protocol(version is null ? NoModel(name, registry.Served.Select(s => s.Crop))
            : Create(StatusCodes.Status404NotFound, "Version not served", $"Model '{name}' version {version} is not being served."));

    /// <summary>Adds the protocol's "error" member so Triton and KServe clients show the message.</summary>
    private static ProblemHttpResult Protocol(ProblemHttpResult problem)
    {
        problem.ProblemDetails.Extensions["error"] = problem.ProblemDetails.Detail;
        return problem;
    }

    private static Results<Ok<ModelMetadataResponse>, ProblemHttpResult> Metadata(string name, string? version, ModelRegistry registry)
    {
        if (Find(name, version, registry) is not { } served) return NotFound(name, version, registry);
        var m = served.Manifest;
        var p = m.Preprocessing;
        TensorMetadata[] outputs =
        [
            .. m.Tasks.Select(t => new TensorMetadata(t.Output, "FP32", [-1, t.Labels.Count])),
            .. m.Calibration.LeafOutput is { } leaf ? [new TensorMetadata(leaf, "FP32", [-1, 1])] : Array.Empty<TensorMetadata>(),
            new(HeadParameters.DistanceOutput, "FP32", [-1, 1]),
            new(GraphComposer.FeaturesOutput, "FP32", [-1, m.Backbone.FeatureSize]),
        ];
        return TypedResults.Ok(new ModelMetadataResponse(served.Crop, [served.Version.ToString(CultureInfo.InvariantCulture)], "onnxruntime_onnx",
            [new TensorMetadata(ImageInput, "FP32", [-1, p.ViewCount, 3, p.TileSize, p.TileSize])], outputs));
    }

    private static Results<Ok<ReadyResponse>, ProblemHttpResult> Ready(string name, string? version, ModelRegistry registry) =>
        Find(name, version, registry) is { } s ? TypedResults.Ok(new ReadyResponse(s.Crop, true)) : NotFound(name, version, registry);

    private static async Task<Results<Ok<InferResponse>, ProblemHttpResult>> Infer(string name, string? version, InferRequest request,
        ModelRegistry registry, PredictionService predictions, HttpContext http)
    {
        if (Find(name, version, registry) is not { } served) return NotFound(name, version, registry);
        var spec = served.Model.Spec;
        long[] expected = [-1, spec.ViewCount, 3, spec.TileSize, spec.TileSize];
        ProblemHttpResult Bad(string detail) => Protocol(Create(StatusCodes.Status400BadRequest, "Invalid inference request", detail));

        var input = request.Inputs?.SingleOrDefault(i => i.Name == ImageInput);
        if (input is null || request.Inputs!.Length != 1) return Bad($"Send exactly one input named '{ImageInput}'.");
        if (input.Datatype != "FP32") return Bad($"Input '{ImageInput}' must be FP32, not {input.Datatype}.");
        if (input.Shape is not { Length: 5 } shape || shape[0] < 1 || !shape.Skip(1).SequenceEqual(expected.Skip(1)))
            return Bad($"Input '{ImageInput}' must have shape [N, {string.Join(", ", expected.Skip(1))}].");
        long count = shape.Aggregate(1L, (a, b) => a * b);
        if (shape[0] > 64) return Bad("At most 64 images per request.");
        var data = new float[count];
        int filled = 0;
        if (!Flatten(input.Data, data, ref filled) || filled != count) return Bad($"Input '{ImageInput}' needs {count} numbers; got {filled} or a non-number.");

        var known = served.Manifest.Tasks.Select(t => t.Output)
            .Concat(served.Manifest.Calibration.LeafOutput is { } leaf ? [leaf] : Array.Empty<string>())
            .Append(HeadParameters.DistanceOutput).Append(GraphComposer.FeaturesOutput).ToList();
        var wanted = request.Outputs is { Length: > 0 } o ? o.Select(x => x.Name).ToList() : known;
        if (wanted.FirstOrDefault(w => !known.Contains(w)) is { } unknown) return Bad($"Unknown output '{unknown}'. Outputs: {string.Join(", ", known)}.");

        int n = (int)shape[0];
        var results = new List<Core.Inference.ModelOutput>(n);
        try
        {
            // Each image goes through the model's batching queue, so v2 traffic shares batches with /v1 traffic.
            var tasks = Enumerable.Range(0, n).Select(i => predictions.RunAsync(served.Crop, served, data.AsSpan(i * spec.FloatsPerImage, spec.FloatsPerImage).ToArray(), null, http.RequestAborted));
            foreach (var (r, _) in await Task.WhenAll(tasks)) results.Add(r.Output);
        }
        catch (QueueFullException e) { return Protocol(QueueFull(http, e.RetryAfter)); }
        catch (BatcherRetiredException) { return Protocol(QueueFull(http)); }

        var outputs = wanted.Select(w =>
        {
            float[] Row(Core.Inference.ModelOutput r) => w == HeadParameters.DistanceOutput ? [r.Distance] : w == GraphComposer.FeaturesOutput ? r.Features : r.Probabilities[w];
            var rows = results.Select(Row).ToList();
            return new InferOutput(w, [n, rows[0].Length], "FP32", [.. rows.SelectMany(x => x)]);
        }).ToArray();
        return TypedResults.Ok(new InferResponse(served.Crop, served.Version.ToString(CultureInfo.InvariantCulture), request.Id, outputs));
    }

    /// <summary>Accepts the tensor's data flat or nested (both are allowed by the protocol), in row-major order.</summary>
    private static bool Flatten(JsonElement e, float[] into, ref int at)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Number:
                if (at >= into.Length) { at++; return true; }
                into[at++] = e.GetSingle();
                return true;
            case JsonValueKind.Array:
                foreach (var item in e.EnumerateArray()) if (!Flatten(item, into, ref at)) return false;
                return true;
            default:
                return false;
        }
    }
}
