namespace CropVision.Api.Review;

public static class ReviewExtensions
{
    /// <summary>The review queue's rules: an officer's verdict on an observation (also used by the survey pages).</summary>
    public static IHostApplicationBuilder AddReview(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ReviewRules>();
        return builder;
    }
}
