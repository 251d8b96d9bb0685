using CropVision.Api.Accounts;
using CropVision.Core.Models;
using CropVision.Serving;
using CropVision.Serving.Batching;
using CropVision.Serving.Catalogue;
using CropVision.Serving.Registry;
using CropVision.Serving.Shadow;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using static CropVision.Api.Http.Problems;

namespace CropVision.Api.ModelInfo;

public sealed record ClassInfo(string Label, string En, string Vi);
public sealed record TaskInfo(string Output, string Kind, IReadOnlyList<ClassInfo> Classes);
public sealed record ProviderInfo(string Name, string Requested, string? FallbackReason);
/// <summary>Model card line: what the serving model was trained on, in English and Vietnamese.</summary>
public sealed record TrainedOnInfo(string En, string Vi);
/// <remarks><c>TrainedOn</c> is null when no model serves, or the serving model predates model cards (coffee/1).</remarks>
public sealed record ModelSummary(
    string Crop, string NameEn, string NameVi, string Status, int? ServingVersion, IReadOnlyList<int> AvailableVersions,
    IReadOnlyList<TaskInfo> Tasks, object? Metrics, int? QueueDepth, string? LoadError, DateTimeOffset? LoadedAt, TrainedOnInfo? TrainedOn,
    ShadowStats? Shadow = null, InferenceInfo? Inference = null);
/// <summary>How the serving version runs (its manifest's inference section) and the backbone passes per photo run so far (its warm-up run included).</summary>
public sealed record InferenceInfo(string Backbone, double? EarlyExitBelow, string? EarlyExitRule, double BackbonePassesPerPhoto);
public sealed record BatchingInfo(int MaxBatchSize, double MaxQueueDelayMicroseconds, int QueueCapacity, double MaxQueueWaitMilliseconds);
public sealed record ModelsResponse(ProviderInfo ExecutionProvider, BatchingInfo Batching, IReadOnlyList<ModelSummary> Crops);
public sealed record ReloadResponse(string Crop, int Version, string Message);

public static class ModelEndpoints
{
    public static IEndpointRouteBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/models").WithTags("Models");
        group.MapGet("/", List).WithSummary("Every crop: its serving version, classes, validation metrics and execution provider; crops without a model say so");
        group.MapGet("/{crop}", Get).WithSummary("One crop's model").ProducesProblem(StatusCodes.Status404NotFound);

        // An admin account, or the admin API key for deploy scripts (header X-Api-Key).
        group.MapPost("/{crop}/reload", Reload).RequireAdmin(orApiKey: true)
            .WithSummary($"Reload a crop's model from disk (an admin, or header {ApiKeyAuthentication.Header})")
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        return app;
    }

    private static ProviderInfo Provider(ModelRegistry r) => new(r.Provider.Name, r.Provider.Requested, r.Provider.FallbackReason);

    private static Ok<ModelsResponse> List(ModelRegistry registry, DiseaseCatalogue catalogue, ShadowRunner shadow)
    {
        var crops = registry.CropFolders().Concat(catalogue.Crops.Keys).Concat(registry.Served.Select(s => s.Crop))
            .Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal);
        var b = registry.BatcherSettings;
        var batching = new BatchingInfo(b.MaxBatchSize, b.MaxQueueDelay.TotalMicroseconds, b.QueueCapacity, b.MaxQueueWait.TotalMilliseconds);
        return TypedResults.Ok(new ModelsResponse(Provider(registry), batching, [.. crops.Select(c => Summarize(c, registry, catalogue, shadow))]));
    }

    private static Results<Ok<ModelSummary>, ProblemHttpResult> Get(string crop, ModelRegistry registry, DiseaseCatalogue catalogue, ShadowRunner shadow) =>
        registry.Get(crop) is null && !registry.CropFolders().Contains(crop, StringComparer.OrdinalIgnoreCase)
            ? NoModel(crop, registry.Served.Select(s => s.Crop))
            : TypedResults.Ok(Summarize(crop, registry, catalogue, shadow));

    private static ModelSummary Summarize(string crop, ModelRegistry registry, DiseaseCatalogue catalogue, ShadowRunner shadow)
    {
        var served = registry.Get(crop);
        var name = catalogue.Crops.TryGetValue(crop, out var c) ? c.Name : new Text(crop, crop);
        var failure = registry.Failures.FirstOrDefault(f => f.Crop.Equals(crop, StringComparison.OrdinalIgnoreCase));
        if (served is null)
            return new ModelSummary(crop, name.En, name.Vi, failure is null ? "no model deployed" : "failed to load", null, registry.AvailableVersions(crop), [], null, null, failure?.Reason, null, null);
        var m = served.Manifest;
        var tasks = m.Tasks.Select(t => new TaskInfo(t.Output, t.Kind, [.. t.Labels.Select(l =>
        {
            var e = t.Output == TaskNames.Severity ? catalogue.Severity(crop, l) : catalogue.Label(crop, l);
            return new ClassInfo(l, e.En, e.Vi);
        })])).ToList();
        return new ModelSummary(served.Crop, name.En, name.Vi, "serving", served.Version, registry.AvailableVersions(crop), tasks,
            m.Metrics, served.Batcher.Depth, failure?.Reason, served.LoadedAt, m.TrainedOn is { } card ? new TrainedOnInfo(card.En, card.Vi) : null, shadow.Stats(crop),
            new InferenceInfo(m.Inference?.Int8Calibration is null ? "fp32" : "int8", m.Inference?.EarlyExit?.ConfidentAbove, m.Inference?.EarlyExit?.Rule(m), Math.Round(served.Model.PassesPerImage, 3)));
    }

    private static async Task<Results<Ok<ReloadResponse>, ProblemHttpResult>> Reload(string crop, ModelRegistry registry)
    {
        if (!registry.CropFolders().Contains(crop, StringComparer.OrdinalIgnoreCase)) return NoModel(crop, registry.Served.Select(s => s.Crop));
        var (ok, message) = await registry.ReloadAsync(crop);
        var served = registry.Get(crop);
        return ok && served is not null
            ? TypedResults.Ok(new ReloadResponse(served.Crop, served.Version, message))
            : Create(StatusCodes.Status422UnprocessableEntity, "Reload refused", served is null ? message : $"{message} Still serving version {served.Version}.");
    }
}
