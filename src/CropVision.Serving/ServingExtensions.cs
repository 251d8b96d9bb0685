using CropVision.Core.Preprocessing;
using CropVision.Serving.Catalogue;
using CropVision.Serving.Predictions;
using CropVision.Serving.Registry;
using CropVision.Serving.Shadow;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CropVision.Serving;

public static class ServingExtensions
{
    /// <summary>
    /// The serving engine: <c>Models</c>, <c>Inference</c> and <c>Limits</c> options (checked at start-up), the model
    /// registry and its folder watcher, the disease catalogue, the decode gate, the prediction service, and shadow mode
    /// (<c>Models:Shadow:&lt;crop&gt;</c> candidates run beside the serving versions on <c>Models:ShadowShare</c> of live photos).
    /// </summary>
    public static IHostApplicationBuilder AddServing(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ModelsOptions>().BindConfiguration(ModelsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<InferenceOptions>().BindConfiguration(InferenceOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<LimitsOptions>().BindConfiguration(LimitsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ModelRegistry>();
        services.AddHostedService<ModelFolderWatcher>();
        services.AddSingleton(_ => DiseaseCatalogue.Load(Path.Combine(AppContext.BaseDirectory, "Catalogue", "diseases.json")));
        // The one decode gate of the process (the field store's thumbnails and feedback photos use it too).
        services.AddSingleton(s => ServingMetrics.Watch(new DecodeGate(s.GetRequiredService<IOptions<LimitsOptions>>().Value.MaxConcurrentDecodes)));
        services.AddSingleton<PredictionService>();
        services.AddSingleton<IShadowCandidates, FolderShadowCandidates>();
        services.AddSingleton<ShadowRunner>();
        services.AddHostedService(s => s.GetRequiredService<ShadowRunner>());
        return builder;
    }
}
