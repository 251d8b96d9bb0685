using CropVision.FieldStore.Model;

namespace CropVision.FieldStore.Summaries;

/// <summary>Counts for one group of observations (the whole survey, a plot or a commune).</summary>
public sealed record GroupSummary(
    string? Key,
    int Observations,
    int Reviewed,
    double ReviewedShare,
    /// <summary>Leaves with a label that counts: reviewed, or the model answered ok/uncertain (rejected photos and failures are left out).</summary>
    int Assessed,
    IReadOnlyDictionary<string, int> LabelCounts,
    /// <summary>Share of assessed leaves with each label (incidence).</summary>
    IReadOnlyDictionary<string, double> Incidence,
    /// <summary>Assessed leaves by severity grade.</summary>
    IReadOnlyDictionary<string, int> Severity,
    double? MeanSeverity,
    /// <summary>Assessed leaves with any stress (any label but healthy): "% lá bị bệnh" is <see cref="DiseasedShare"/>.</summary>
    int Diseased,
    double DiseasedShare);

/// <summary>Model against officer on reviewed leaves: rows are the officer's label, columns the model's.</summary>
public sealed record Agreement(int Reviewed, int Agreed, double Accuracy, IReadOnlyList<string> Labels, int[][] Matrix);

public sealed record SurveySummary(GroupSummary Overall, IReadOnlyList<GroupSummary> ByPlot, IReadOnlyList<GroupSummary> ByCommune, Agreement? Agreement)
{
    /// <summary>
    /// Summarizes observations. The label that counts is the officer's when reviewed, else the model's; leaves the model
    /// rejected (not a leaf of this crop) or could not read count only once an officer has reviewed them.
    /// </summary>
    public static SurveySummary Of(IReadOnlyCollection<Observation> observations, IReadOnlyList<string> labels)
    {
        var byPlot = observations.GroupBy(o => o.PlotCode ?? "").OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Group(g.Key.Length == 0 ? null : g.Key, [.. g], labels)).ToList();
        var byCommune = observations.GroupBy(o => o.Commune ?? "").OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Group(g.Key.Length == 0 ? null : g.Key, [.. g], labels)).ToList();
        return new SurveySummary(Group(null, observations, labels), byPlot, byCommune, AgreementOf(observations, labels));
    }

    /// <summary>The label of a leaf with no stress, the same in every crop's catalogue.</summary>
    public const string Healthy = "healthy";

    public static string? LabelOf(Observation o) => o.IsReviewed ? o.ConfirmedLabel : o.ModelStatus is "ok" or "uncertain" ? o.ModelLabel : null;
    public static string? SeverityOf(Observation o) => o.IsReviewed ? o.ConfirmedSeverity : o.ModelStatus is "ok" or "uncertain" ? o.ModelSeverity : null;

    private static GroupSummary Group(string? key, IReadOnlyCollection<Observation> group, IReadOnlyList<string> labels)
    {
        var assessed = group.Where(o => LabelOf(o) is not null).ToList();
        var counts = labels.ToDictionary(l => l, l => assessed.Count(o => LabelOf(o) == l));
        foreach (var extra in assessed.Select(o => LabelOf(o)!).Distinct().Where(l => !counts.ContainsKey(l))) counts[extra] = assessed.Count(o => LabelOf(o) == extra);
        var incidence = counts.ToDictionary(c => c.Key, c => assessed.Count == 0 ? 0 : Math.Round((double)c.Value / assessed.Count, 4));
        var severities = assessed.Select(SeverityOf).Where(s => s is not null).GroupBy(s => s!).OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count());
        var numeric = assessed.Select(SeverityOf).Select(s => int.TryParse(s, out var v) ? v : (int?)null).Where(v => v is not null).ToList();
        int reviewed = group.Count(o => o.IsReviewed);
        int diseased = assessed.Count(o => LabelOf(o) != Healthy);
        return new GroupSummary(key, group.Count, reviewed, group.Count == 0 ? 0 : Math.Round((double)reviewed / group.Count, 4), assessed.Count,
            counts, incidence, severities, numeric.Count == 0 ? null : Math.Round(numeric.Average(v => v!.Value), 3),
            diseased, assessed.Count == 0 ? 0 : Math.Round((double)diseased / assessed.Count, 4));
    }

    private static Agreement? AgreementOf(IReadOnlyCollection<Observation> observations, IReadOnlyList<string> labels)
    {
        var reviewed = observations.Where(o => o.IsReviewed && o.ConfirmedLabel is not null && o.ModelLabel is not null).ToList();
        if (reviewed.Count == 0) return null;
        var all = labels.Concat(reviewed.SelectMany(o => new[] { o.ConfirmedLabel!, o.ModelLabel! })).Distinct().ToList();
        var matrix = all.Select(_ => new int[all.Count]).ToArray();
        foreach (var o in reviewed) matrix[all.IndexOf(o.ConfirmedLabel!)][all.IndexOf(o.ModelLabel!)]++;
        int agreed = reviewed.Count(o => o.ConfirmedLabel == o.ModelLabel);
        return new Agreement(reviewed.Count, agreed, Math.Round((double)agreed / reviewed.Count, 4), all, matrix);
    }
}
