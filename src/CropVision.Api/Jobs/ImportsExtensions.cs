namespace CropVision.Api.Jobs;

public static class ImportsExtensions
{
    /// <summary>Zip imports: the options, the wake-up signal and the background worker (after the store's migrations).</summary>
    public static IHostApplicationBuilder AddImports(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<ImportOptions>(builder.Configuration.GetSection(ImportOptions.Section));
        builder.Services.AddSingleton<ImportSignal>();
        builder.Services.AddHostedService<ImportWorker>();
        return builder;
    }
}
