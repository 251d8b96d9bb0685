using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using static CropVision.Api.Http.Problems;

namespace CropVision.Api.Feedback;

/// <summary>
/// Verdicts per client address (fixed window, <see cref="FeedbackOptions.PermitLimit"/> per
/// <see cref="FeedbackOptions.WindowSeconds"/>), so a script cannot flood the store; its own 429 answer, with Retry-After.
/// </summary>
public sealed class FeedbackRateLimit(IOptions<FeedbackOptions> options) : IRateLimiterPolicy<string>
{
    public const string PolicyName = "feedback";
    private readonly FeedbackOptions _options = options.Value;

    public RateLimitPartition<string> GetPartition(HttpContext httpContext) =>
        RateLimitPartition.GetFixedWindowLimiter(ClientAddress(httpContext), _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = _options.PermitLimit, Window = TimeSpan.FromSeconds(_options.WindowSeconds), QueueLimit = 0,
        });

    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => (context, _) =>
    {
        var retry = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(_options.WindowSeconds);
        return new ValueTask(TooManyRequests(context.HttpContext, retry, "Too many requests",
            seconds => $"At most {_options.PermitLimit} answers per {_options.WindowSeconds} s from one phone. Retry after {seconds} s.")
            .ExecuteAsync(context.HttpContext));
    };
}
