using System.Globalization;
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

    public static string ClientAddress(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";

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

    /// <summary>429 with Retry-After in whole seconds: the one answer for every sign-in throttle.</summary>
    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult TooManySignIns(HttpContext http, TimeSpan retryAfter)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return Create(StatusCodes.Status429TooManyRequests, "Too many sign-in attempts",
            $"Too many sign-in attempts from this address. Retry after {seconds} s.",
            new Dictionary<string, object?> { [RetryAfterSeconds] = seconds });
    }
}
