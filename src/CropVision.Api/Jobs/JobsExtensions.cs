namespace CropVision.Api.Jobs;

public static class JobsExtensions
{
    /// <summary>Zip imports: the options, the wake-up signal and the background worker (after the store's migrations).</summary>
    public static IHostApplicationBuilder AddJobs(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ImportOptions>().BindConfiguration(ImportOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<ImportSignal>();
        builder.Services.AddHostedService<ImportWorker>();
        return builder;
    }
}
