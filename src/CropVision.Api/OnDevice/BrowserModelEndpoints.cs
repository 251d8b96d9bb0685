using CropVision.Core.Models;
using CropVision.Serving.Catalogue;
using CropVision.Serving.Registry;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using static CropVision.Api.Http.Problems;

namespace CropVision.Api.OnDevice;

public sealed record NamedLabel(string Label, string En, string Vi, string? AdviceEn, string? AdviceVi);
public sealed record BrowserTask(string Output, string Kind, IReadOnlyList<NamedLabel> Classes, IReadOnlyList<string>? Framings);
public sealed record RuntimeFile(string Url, long Bytes);
/// <summary>
/// What the phone needs to answer as the service does: where the composed graph is (and its size and ETag), the
/// preprocessing, thresholds and early exit of the served manifest, the names and advice of every class, and the
/// onnxruntime-web files (served from wwwroot, copied there by ClientApp/build.mjs).
/// </summary>
public sealed record BrowserManifest(
    string Crop, int Version, string ModelUrl, long ModelBytes, string ETag, string Precision,
    string PrimaryOutput, object Preprocessing, object Calibration, double? EarlyExitBelow,
    IReadOnlyList<BrowserTask> Tasks, Text Rejected, Text Uncertain,
    string RuntimeUrl, IReadOnlyList<RuntimeFile> Runtime);

public static class BrowserModelEndpoints
{
    public static IServiceCollection AddBrowserModels(this IServiceCollection services) => services.AddSingleton<BrowserModels>();

    public static IEndpointRouteBuilder MapBrowserModelApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/models").WithTags("Models");
        group.MapGet("/{crop}/browser", Manifest)
            .WithSummary("What a phone needs to diagnose on the device: the composed model's URL, size and ETag, preprocessing, thresholds, names, advice, runtime files")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/{crop}/browser-model", Model)
            .WithSummary("The served version's composed ONNX graph (the file `cropvision export` writes), with a strong ETag")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static Results<Ok<BrowserManifest>, ProblemHttpResult> Manifest(string crop, BrowserModels models, ModelRegistry registry, DiseaseCatalogue catalogue, IWebHostEnvironment env)
    {
        if (registry.Get(crop) is not { } served || models.Get(crop) is not { } file) return NoModel(crop, registry.Served.Select(s => s.Crop));
        var m = served.Manifest;
        var tasks = m.Tasks.Select(t => new BrowserTask(t.Output, t.Kind, [.. t.Labels.Select(l =>
        {
            var e = t.Output == TaskNames.Severity ? catalogue.Severity(m.Crop, l) : catalogue.Label(m.Crop, l);
            return new NamedLabel(l, e.En, e.Vi, e.Advice?.En, e.Advice?.Vi);
        })], t.Framings?.Select(f => f.ToString()).ToList())).ToList();
        var (runtimeUrl, runtime) = RuntimeFiles(env);
        return TypedResults.Ok(new BrowserManifest(m.Crop, m.Version, $"/v1/models/{m.Crop}/browser-model?v={m.Version}", file.Bytes.Length, file.ETag, file.Precision,
            m.PrimaryOutput, m.Preprocessing, m.Calibration, m.Inference?.EarlyExit?.ConfidentAbove, tasks, catalogue.Rejected, catalogue.Uncertain, runtimeUrl, runtime));
    }

    private static Results<FileContentHttpResult, ProblemHttpResult> Model(string crop, BrowserModels models, ModelRegistry registry, HttpContext http)
    {
        if (models.Get(crop) is not { } file) return NoModel(crop, registry.Served.Select(s => s.Crop));
        // Revalidated every time (a reload may change it); the phone keeps its copy in the service worker's cache.
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Model-Version"] = file.Version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.File(file.Bytes, "application/octet-stream", $"{file.Crop}-{file.Version}.onnx", entityTag: EntityTagHeaderValue.Parse(file.ETag));
    }

    /// <summary>The onnxruntime-web files build.mjs copied under /assets/ort-VERSION/ (none when the app is not built).</summary>
    private static (string Url, IReadOnlyList<RuntimeFile> Files) RuntimeFiles(IWebHostEnvironment env)
    {
        var dir = env.WebRootFileProvider.GetDirectoryContents("assets").FirstOrDefault(d => d.IsDirectory && d.Name.StartsWith("ort-", StringComparison.Ordinal));
        if (dir is null) return ("", []);
        var url = $"/assets/{dir.Name}/";
        return (url, [.. env.WebRootFileProvider.GetDirectoryContents($"assets/{dir.Name}").Where(f => !f.IsDirectory).OrderBy(f => f.Name, StringComparer.Ordinal).Select(f => new RuntimeFile(url + f.Name, f.Length))]);
    }
}
