using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CropVision.FieldStore.Model;
using CropVision.Learning.Data;

namespace CropVision.Learning.DatasetExport;

/// <summary>One photo of the export: its label, split and where it came from (the labels.csv row).</summary>
public sealed record ExportRow(
    string Sha256, string Extension, string Class, Split Split, int? Severity, string LabelSource,
    string Source, string? Survey, string? Officer, string? ReviewedBy, DateTimeOffset TakenAt, double? Latitude, double? Longitude,
    string? Plot, string? FarmerLabel, string SplitGroup)
{
    public string RelativePath => $"{Class}/{Sha256}.{Extension}";
}

/// <summary>What the planner left out and why, so a user sees every photo accounted for.</summary>
public sealed record ExportPlan(IReadOnlyList<ExportRow> Rows, int Observations, int DuplicatesMerged, int Unconfirmed, int Conflicting, int Unlabelled);

/// <summary>
/// Turns a crop's observations into the rows of an export, with no I/O so the rules can be tested alone:
/// officer-confirmed labels only (farmer labels with <c>includeUnconfirmed</c>); one row per photo hash (the photo's
/// officer verdicts must agree, else it is left out as conflicting); a split by plot so every photo of a plot lands on
/// one side. The order of the input does not matter: the same observations always give the same rows.
/// </summary>
public static class ExportPlanner
{
    public const string LabelByOfficer = "officer";
    public const string LabelByFarmer = "farmer";

    public static ExportPlan Plan(IEnumerable<Observation> observations, bool includeUnconfirmed, double valFraction = 0.2, int seed = 42)
    {
        var all = observations.ToList();
        var rows = new List<ExportRow>();
        int duplicates = 0, unconfirmed = 0, conflicting = 0, unlabelled = 0;
        // Feedback kept without its photo (the day's quota was spent) has no picture to train on.
        foreach (var photo in all.Where(o => o.PhotoSha256 is not null).GroupBy(o => o.PhotoSha256!).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            // Earliest first, then by id: which observation gives the provenance never depends on the query's order.
            var ordered = photo.OrderBy(o => o.ReviewedAt ?? o.CreatedAt).ThenBy(o => o.Id).ToList();
            duplicates += ordered.Count - 1;
            var confirmed = ordered.Where(o => o.IsReviewed && o.ConfirmedLabel is not null).ToList();
            Observation chosen;
            string label, by;
            if (confirmed.Count > 0)
            {
                if (confirmed.Select(o => o.ConfirmedLabel).Distinct().Count() > 1) { conflicting++; continue; }
                (chosen, label, by) = (confirmed[0], confirmed[0].ConfirmedLabel!, LabelByOfficer);
            }
            else
            {
                var farmer = ordered.Where(o => FarmerLabel(o) is not null).ToList();
                if (farmer.Count == 0) { unlabelled++; continue; }
                if (!includeUnconfirmed) { unconfirmed++; continue; }
                if (farmer.Select(FarmerLabel).Distinct().Count() > 1) { conflicting++; continue; }
                (chosen, label, by) = (farmer[0], FarmerLabel(farmer[0])!, LabelByFarmer);
            }
            var severity = by == LabelByOfficer && int.TryParse(chosen.ConfirmedSeverity, NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) && s >= 0 ? s : (int?)null;
            var group = SplitGroup(chosen);
            rows.Add(new ExportRow(photo.Key, chosen.Photo?.Extension ?? "jpg", label, InVal(group, valFraction, seed) ? Split.Val : Split.Train, severity, by,
                SourceName(chosen), chosen.SurveyId?.ToString(), chosen.Officer, chosen.ReviewedBy,
                chosen.TakenAt.ToUniversalTime(), chosen.Latitude, chosen.Longitude, chosen.PlotCode,
                ordered.Select(FarmerLabel).FirstOrDefault(l => l is not null), group));
        }
        rows.Sort((a, b) => string.CompareOrdinal(a.RelativePath, b.RelativePath));
        return new ExportPlan(rows, all.Count, duplicates, unconfirmed, conflicting, unlabelled);
    }

    /// <summary>labels.csv's source: survey, farmer-feedback, or farmer-on-device (a photo the farmer's phone answered offline).</summary>
    public static string SourceName(Observation o) =>
        o.Source == ObservationSource.Survey ? "survey" : o.AnsweredOnDevice ? "farmer-on-device" : "farmer-feedback";

    /// <summary>
    /// What a farmer said the photo shows: the class they picked after "wrong", or the model's label after "right";
    /// null for "don't know" and for observations that are not farmer feedback.
    /// </summary>
    public static string? FarmerLabel(Observation o) => o.FarmerVerdict switch
    {
        FarmerVerdict.Wrong => o.FarmerLabel,
        FarmerVerdict.Right => o.ModelLabel,
        _ => null,
    };

    /// <summary>
    /// The unit the split keeps together: the plot (within its commune, as plot codes repeat between communes), else a
    /// ~100 m square around the position (photos of one spot are near-duplicates too), else the photo itself.
    /// </summary>
    public static string SplitGroup(Observation o)
    {
        if (!string.IsNullOrWhiteSpace(o.PlotCode))
            return $"plot:{o.Commune?.Trim().ToLowerInvariant()}/{o.PlotCode.Trim().ToLowerInvariant()}";
        if (o.Latitude is { } lat && o.Longitude is { } lon)
            return FormattableString.Invariant($"near:{Math.Floor(lat * 1000)},{Math.Floor(lon * 1000)}");
        return $"photo:{o.PhotoSha256}";
    }

    /// <summary>A group's side from a seeded hash of its key alone: stable as photos are added, whatever else is in the store.</summary>
    public static bool InVal(string group, double valFraction, int seed)
    {
        var hash = BitConverter.ToUInt64(SHA256.HashData(Encoding.UTF8.GetBytes($"{seed}:{group}")), 0);
        return hash / (double)ulong.MaxValue < valFraction;
    }
}
