using Microsoft.Extensions.Options;

namespace CropVision.Api.Accounts;

/// <summary>
/// Failed sign-ins per user name, in memory: once a name has <see cref="SignInThrottleOptions.FailuresPerUser"/> failures
/// in the window, an address that failed for it is refused until its failures age out. An address that has not failed
/// for that name (the owner's phone, the office) still signs in: the guesser slows down, the owner is never locked out.
/// Keyed by the name as typed (normalised), so an unknown name is throttled exactly like a real one.
/// </summary>
public sealed class SignInThrottle(IOptions<AccountOptions> options, TimeProvider clock)
{
    /// <summary>Names tracked at most; beyond it the names whose last failure is oldest are forgotten first.</summary>
    public const int MaxNames = 100_000;

    private readonly SignInThrottleOptions _options = options.Value.SignIn;
    private readonly Dictionary<string, List<(string Address, DateTimeOffset At)>> _failures = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>How long <paramref name="address"/> must wait before trying <paramref name="userName"/> again, or null if it may try now.</summary>
    public TimeSpan? RetryAfter(string userName, string address)
    {
        var now = clock.GetUtcNow();
        lock (_lock)
        {
            if (!_failures.TryGetValue(Key(userName), out var list)) return null;
            Expire(list, now);
            if (list.Count < _options.FailuresPerUser) return null;
            var mine = list.Where(f => f.Address == address).ToList();
            if (mine.Count == 0) return null;
            // Refused until this address's failures have aged out, or the name's count has fallen below the limit.
            var untilNameBelow = list[list.Count - _options.FailuresPerUser].At + _options.FailureWindow - now;
            var untilMineGone = mine[^1].At + _options.FailureWindow - now;
            return TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(1).Ticks, Math.Min(untilNameBelow.Ticks, untilMineGone.Ticks)));
        }
    }

    public void RecordFailure(string userName, string address)
    {
        var now = clock.GetUtcNow();
        lock (_lock)
        {
            var key = Key(userName);
            if (!_failures.TryGetValue(key, out var list))
            {
                if (_failures.Count >= MaxNames) Forget(now);
                _failures[key] = list = [];
            }
            Expire(list, now);
            list.Add((address, now));
            // A name needs no more history than the limit's worth per address; cap what one name can hold.
            if (list.Count > 4 * _options.FailuresPerUser) list.RemoveAt(0);
        }
    }

    /// <summary>A right password clears that address's failures for the name (a typo before it does not count against the owner).</summary>
    public void RecordSuccess(string userName, string address)
    {
        lock (_lock)
        {
            if (_failures.TryGetValue(Key(userName), out var list)) list.RemoveAll(f => f.Address == address);
        }
    }

    private void Expire(List<(string Address, DateTimeOffset At)> list, DateTimeOffset now) =>
        list.RemoveAll(f => now - f.At >= _options.FailureWindow);

    private void Forget(DateTimeOffset now)
    {
        foreach (var (name, list) in _failures.ToList())
        {
            Expire(list, now);
            if (list.Count == 0) _failures.Remove(name);
        }
        if (_failures.Count < MaxNames) return;
        foreach (var name in _failures.OrderBy(p => p.Value[^1].At).Take(_failures.Count / 10).Select(p => p.Key).ToList())
            _failures.Remove(name);
    }

    private static string Key(string userName) => userName.Trim().ToUpperInvariant();
}
