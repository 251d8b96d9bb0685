using CropVision.FieldStore.Model;
using CropVision.Learning.Data;
using CropVision.Learning.DatasetExport;

namespace CropVision.Tests.Training;

/// <summary>The export's rules without a database: which label, one row per photo, all of a plot on one side.</summary>
[Trait("Category", "Fast")]
public class ExportPlannerTests
{
    private static int _next;

    private static Observation Obs(string sha, string? confirmed = null, string? plot = null, string? commune = "dak ha",
        FarmerVerdict? verdict = null, string? farmerLabel = null, string? modelLabel = "rust", int minutes = 0, double? lat = null, double? lon = null) => new()
        {
            Id = new Guid(++_next, 0, 0, new byte[8]),
            PhotoSha256 = sha, Crop = "coffee", PlotCode = plot, Commune = commune,
            Source = verdict is null ? ObservationSource.Survey : ObservationSource.FarmerFeedback,
            ConfirmedLabel = confirmed, ConfirmedSeverity = confirmed is null ? null : "2",
            ReviewedAt = confirmed is null ? null : DateTimeOffset.UnixEpoch.AddMinutes(minutes), ReviewedBy = confirmed is null ? null : "lan",
            CreatedAt = DateTimeOffset.UnixEpoch.AddMinutes(minutes), TakenAt = DateTimeOffset.UnixEpoch,
            FarmerVerdict = verdict, FarmerLabel = farmerLabel, ModelLabel = modelLabel, Latitude = lat, Longitude = lon,
        };

    [Fact]
    public void A_photo_the_phone_answered_is_exported_like_feedback_once_an_officer_confirms_it_and_says_where_it_came_from()
    {
        Observation OnPhone(string sha, string? confirmed)
        {
            var o = Obs(sha, confirmed: confirmed);
            (o.Source, o.DeviceModelVersion, o.DeviceLabel, o.DeviceConfidence, o.DeviceStatus) = (ObservationSource.FarmerFeedback, 3, "phoma", 0.7, "ok");
            return o;
        }
        var plan = ExportPlanner.Plan([OnPhone("d1", confirmed: "rust"), OnPhone("d2", confirmed: null), Obs("f1", verdict: FarmerVerdict.Right)], includeUnconfirmed: true);
        var row = Assert.Single(plan.Rows, r => r.Sha256 == "d1");
        Assert.Equal(("rust", ExportPlanner.LabelByOfficer, "farmer-on-device"), (row.Class, row.LabelSource, row.Source));
        Assert.Equal("farmer-feedback", Assert.Single(plan.Rows, r => r.Sha256 == "f1").Source);
        // The phone's answer is a model's guess, not a label: unconfirmed, the photo waits for an officer.
        Assert.DoesNotContain(plan.Rows, r => r.Sha256 == "d2");
        Assert.Equal(1, plan.Unlabelled);
    }

    [Fact]
    public void Every_photo_of_a_plot_lands_on_the_same_side_and_both_sides_get_plots()
    {
        var observations = Enumerable.Range(0, 40).SelectMany(plot => Enumerable.Range(0, 5)
            .Select(i => Obs($"{plot:D3}{i:D3}", confirmed: i % 2 == 0 ? "rust" : "healthy", plot: $"P{plot}"))).ToList();
        var plan = ExportPlanner.Plan(observations, includeUnconfirmed: false);
        Assert.Equal(200, plan.Rows.Count);
        foreach (var plot in plan.Rows.GroupBy(r => r.Plot)) Assert.Single(plot.Select(r => r.Split).Distinct());
        int valPlots = plan.Rows.Where(r => r.Split == Split.Val).Select(r => r.Plot).Distinct().Count();
        Assert.InRange(valPlots, 2, 16); // about 20% of 40 plots, by a seeded hash
        // The plot code is scoped by its commune: the same code elsewhere is another plot with its own side.
        Assert.NotEqual(ExportPlanner.SplitGroup(Obs("a", plot: "P1", commune: "x")), ExportPlanner.SplitGroup(Obs("a", plot: "P1", commune: "y")));
        // Photos without a plot stay together by position (about 100 m), else each is its own group.
        Assert.Equal(ExportPlanner.SplitGroup(Obs("a", lat: 14.35011, lon: 108.0002)), ExportPlanner.SplitGroup(Obs("b", lat: 14.35019, lon: 108.0008)));
        Assert.Equal("photo:c", ExportPlanner.SplitGroup(Obs("c")));
    }

    [Fact]
    public void A_plot_keeps_its_side_when_other_plots_are_added_and_input_order_does_not_matter()
    {
        var first = Enumerable.Range(0, 30).Select(p => Obs($"a{p:D3}", confirmed: "rust", plot: $"P{p}")).ToList();
        var more = first.Concat(Enumerable.Range(30, 30).Select(p => Obs($"b{p:D3}", confirmed: "rust", plot: $"P{p}"))).ToList();
        var before = ExportPlanner.Plan(first, false).Rows.ToDictionary(r => r.Sha256, r => r.Split);
        var after = ExportPlanner.Plan(Enumerable.Reverse(more), false).Rows;
        foreach (var r in after.Where(r => before.ContainsKey(r.Sha256))) Assert.Equal(before[r.Sha256], r.Split);
        Assert.Equal(ExportPlanner.Plan(more, false).Rows, after); // same rows, same order, whatever order they came in
    }

    [Fact]
    public void The_same_photo_is_exported_once_and_conflicting_verdicts_leave_it_out()
    {
        var plan = ExportPlanner.Plan([
            Obs("same", confirmed: "rust", plot: "P1", minutes: 5),
            Obs("same", confirmed: "rust", plot: "P2", minutes: 1),   // the earlier review gives the provenance
            Obs("same", plot: "P3"),                                  // not reviewed: merged, adds nothing
            Obs("torn", confirmed: "rust", plot: "P1"),
            Obs("torn", confirmed: "miner", plot: "P1"),              // officers disagree: left out
            Obs("none", plot: "P1"),                                   // nobody labelled it
        ], includeUnconfirmed: false);
        var row = Assert.Single(plan.Rows);
        Assert.Equal(("same", "rust", "P2", 2), (row.Sha256, row.Class, row.Plot, row.Severity!.Value));
        Assert.Equal((6, 3, 1, 1), (plan.Observations, plan.DuplicatesMerged, plan.Conflicting, plan.Unlabelled));
    }

    [Fact]
    public void Farmer_labels_go_out_only_when_asked_and_an_officer_always_wins()
    {
        var observations = new[]
        {
            Obs("f1", verdict: FarmerVerdict.Wrong, farmerLabel: "miner"),
            Obs("f2", verdict: FarmerVerdict.Right, modelLabel: "phoma"),
            Obs("f3", verdict: FarmerVerdict.Wrong, farmerLabel: null),    // "don't know"
            Obs("f4", verdict: FarmerVerdict.Wrong, farmerLabel: "miner", confirmed: "rust"), // reviewed by an officer since
        };
        var officersOnly = ExportPlanner.Plan(observations, includeUnconfirmed: false);
        var reviewed = Assert.Single(officersOnly.Rows);
        Assert.Equal(("f4", "rust", "officer", "miner"), (reviewed.Sha256, reviewed.Class, reviewed.LabelSource, reviewed.FarmerLabel));
        Assert.Equal(2, officersOnly.Unconfirmed);

        var all = ExportPlanner.Plan(observations, includeUnconfirmed: true);
        Assert.Equal(["f1:miner:farmer", "f2:phoma:farmer", "f4:rust:officer"], all.Rows.Select(r => $"{r.Sha256}:{r.Class}:{r.LabelSource}").Order());
        Assert.All(all.Rows.Where(r => r.LabelSource == "farmer"), r => Assert.Null(r.Severity)); // a farmer gives no grade
    }
}
