using System.Diagnostics;
using System.Net.Http.Json;

namespace CropVision.Bench;

/// <summary>
/// `security-probe --sign-in-user NAME`: whether a stranger can tell a real user name from an unknown one by the answer
/// or its time. Wrong passwords for the real name and for as many unknown names, interleaved, then one more try of
/// each (the throttle must answer both alike). Sign-in throttling then holds this address off that name for a while.
/// </summary>
public static class SignInProbe
{
    public static async Task Run(HttpClient client, string realUser, int tries, TextWriter log)
    {
        log.WriteLine($"== sign-in: {tries} wrong passwords for '{realUser}' and for {tries} unknown names, interleaved");
        var real = new List<(int, double)>();
        var unknown = new List<(int, double)>();
        for (int i = 0; i < tries; i++)
        {
            real.Add(await TryAsync(client, realUser, i));
            unknown.Add(await TryAsync(client, $"nobody-{Guid.NewGuid():N}"[..20], i));
        }
        log.WriteLine($"  real name:    {Describe(real)}");
        log.WriteLine($"  unknown name: {Describe(unknown)}");
        var nextReal = await TryAsync(client, realUser, tries);
        log.WriteLine($"  one more for the real name: {nextReal.Item1} in {nextReal.Item2:F0} ms");
    }

    private static async Task<(int, double)> TryAsync(HttpClient client, string user, int i)
    {
        var clock = Stopwatch.StartNew();
        using var response = await client.PostAsJsonAsync("/v1/auth/token", new { userName = user, password = $"probe-wrong-password-{i}" });
        await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, clock.Elapsed.TotalMilliseconds);
    }

    private static string Describe(List<(int Status, double Ms)> tries)
    {
        var ms = tries.Select(t => t.Ms).Order().ToList();
        var statuses = string.Join(", ", tries.GroupBy(t => t.Status).Select(g => $"{g.Key} x{g.Count()}"));
        return $"{statuses}; median {ms[ms.Count / 2]:F0} ms (min {ms[0]:F0}, max {ms[^1]:F0})";
    }
}
