using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using static CropVision.Api.Http.Problems;

namespace CropVision.Api.Accounts;

/// <summary>
/// Sign-in requests per client address (sliding window, <see cref="SignInThrottleOptions.AttemptsPerAddress"/>): one
/// address cannot try passwords quickly on any number of names. Its own 429 answer, with Retry-After.
/// </summary>
public sealed class SignInRateLimit(IOptions<AccountOptions> options) : IRateLimiterPolicy<string>
{
    public const string PolicyName = "sign-in";
    private readonly SignInThrottleOptions _options = options.Value.SignIn;

    public RateLimitPartition<string> GetPartition(HttpContext httpContext) =>
        RateLimitPartition.GetSlidingWindowLimiter(ClientAddress(httpContext), _ => new SlidingWindowRateLimiterOptions
        {
            PermitLimit = _options.AttemptsPerAddress,
            Window = _options.AddressWindow,
            SegmentsPerWindow = 6,
            QueueLimit = 0,
        });

    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => (context, _) =>
    {
        var retry = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : _options.AddressWindow / 6;
        return new ValueTask(TooManySignIns(context.HttpContext, retry).ExecuteAsync(context.HttpContext));
    };

    /// <summary>The one answer for every sign-in throttle (per address here, per name in <see cref="PasswordCheck"/>).</summary>
    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult TooManySignIns(HttpContext http, TimeSpan retryAfter) =>
        TooManyRequests(http, retryAfter, "Too many sign-in attempts", seconds => $"Too many sign-in attempts from this address. Retry after {seconds} s.");
}
