namespace CropVision.Api.Shadow;

public static class ShadowExtensions
{
    /// <summary>Shadow mode: <c>Models:Shadow:&lt;crop&gt;</c> candidates run beside the serving versions on <c>Models:ShadowShare</c> of live photos.</summary>
    public static IHostApplicationBuilder AddShadow(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IShadowCandidates, FolderShadowCandidates>();
        builder.Services.AddSingleton<ShadowRunner>();
        builder.Services.AddHostedService(s => s.GetRequiredService<ShadowRunner>());
        return builder;
    }
}
