namespace CropVision.Api.Surveys;

public static class SurveysExtensions
{
    /// <summary>Surveys and their observations: the intake that turns an officer's photo into a diagnosed
    /// observation, and the classes an officer may confirm per crop.</summary>
    public static IHostApplicationBuilder AddSurveys(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<ObservationIntake>();
        builder.Services.AddScoped<ObservationEdits>();
        builder.Services.AddSingleton<CropClasses>();
        return builder;
    }
}
