using System.Globalization;
using System.Text;

namespace CropVision.Bench;

/// <summary>
/// Issue 11, item 1: clients that resend at once when refused (ignoring Retry-After), against patient clients at the
/// same concurrency, closed loop. A service that sheds overload well keeps answering near its capacity either way;
/// one whose refusals are dear, or that refuses ordinary concurrency, spends its cores answering 503s.
/// </summary>
public static class ImpatientClients
{
    public sealed record Pair(int Concurrency, HttpLoad.Result Patient, HttpLoad.Result Impatient);

    public static async Task<List<Pair>> Run(HttpClient client, IReadOnlyList<byte[]> images, int[] concurrencies, TimeSpan duration, TextWriter log)
    {
        var pairs = new List<Pair>();
        foreach (var c in concurrencies)
        {
            log.WriteLine($"== {c} clients, closed loop: patient (honour Retry-After), then impatient (resend at once on 503), {duration.TotalSeconds:F0} s each");
            var patient = await HttpLoad.ClosedLoop(client, images, c, duration);
            Print(patient, log);
            var impatient = await HttpLoad.ClosedLoop(client, images, c, duration, impatient: true);
            Print(impatient, log);
            pairs.Add(new Pair(c, patient, impatient));
        }
        return pairs;
    }

    private static void Print(HttpLoad.Result r, TextWriter log) =>
        log.WriteLine($"  {r.Mode}: answered {r.Throughput:F2}/s, accepted p50 {r.P50:F0} ms p99 {r.P99:F0} ms, refusals {r.RefusalsPerSecond:F1}/s (p99 {r.RefusedP99:F1} ms), {r.Statuses}, unanswered {r.Unanswered}; slowest 1%: {r.SlowestSplit}");

    /// <summary>The markdown section: one row per behaviour and concurrency, throughput against the measured capacity.</summary>
    public static string Markdown(IReadOnlyList<Pair> pairs, double capacity)
    {
        static string F(double v, string format = "F0") => double.IsNaN(v) ? "n/a" : v.ToString(format, CultureInfo.InvariantCulture);
        var sb = new StringBuilder();
        sb.AppendLine("| clients | behaviour on 503 | answered/s | x capacity | accepted p50 ms | accepted p99 ms | refusals/s | refusal p99 ms | statuses | unanswered |");
        sb.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var p in pairs)
            foreach (var (name, r) in new[] { ("patient (waits Retry-After)", p.Patient), ("impatient (resends at once)", p.Impatient) })
                sb.AppendLine($"| {p.Concurrency} | {name} | {F(r.Throughput, "F2")} | {F(r.Throughput / capacity, "F2")} | {F(r.P50)} | {F(r.P99)} | {F(r.RefusalsPerSecond, "F1")} | {F(r.RefusedP99, "F1")} | {r.Statuses} | {r.Unanswered} |");
        return sb.ToString();
    }
}
