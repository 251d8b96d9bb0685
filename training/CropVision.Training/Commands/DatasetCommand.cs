using System.CommandLine;
using System.Data.Common;
using System.Globalization;
using CropVision.FieldStore.Infrastructure;
using CropVision.FieldStore.Photos;
using CropVision.Learning.Data;
using CropVision.Learning.DatasetExport;
using CropVision.Training.Console;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace CropVision.Training.Commands;

/// <summary><c>dataset export</c>: officers' reviewed field photos from the field store, as a folder <c>train</c> reads.</summary>
public static class DatasetCommand
{
    public static Command Create()
    {
        var store = new Option<string>("--store") { Description = "The field store: its connection string (ConnectionStrings:FieldStore), or for SQLite the service's data folder or its fieldstore.db", Required = true };
        var provider = new Option<string?>("--provider") { Description = "sqlite or postgres (as Store:Provider); default: postgres when --store names a Host=, else sqlite" };
        var dataFolder = new Option<string?>("--data-folder") { Description = "Where the store keeps photos (Store:DataFolder); default for SQLite: the database's folder" };
        var crop = new Option<string>("--crop") { Description = "Crop to export (coffee, rubber, ginseng)", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder to write (class folders and labels.csv); an earlier export there is replaced", Required = true };
        var unconfirmed = new Option<bool>("--include-unconfirmed") { Description = "Also export farmer feedback no officer confirmed (label_source 'farmer')" };
        var valFraction = new Option<double>("--val-fraction") { Description = "Share of plots that go to val", DefaultValueFactory = _ => 0.2 };
        var seed = new Option<int>("--seed") { Description = "Seed of the split by plot", DefaultValueFactory = _ => 42 };
        var export = new Command("export", "Write the folder-per-class layout and labels.csv that train reads, from officer-confirmed field photos, de-duplicated, split by plot")
            { store, provider, dataFolder, crop, output, unconfirmed, valFraction, seed };
        export.SetAction((result, ct) => Task.FromResult(ConsoleErrors.Guard(() =>
        {
            var fraction = result.GetValue(valFraction);
            if (fraction is < 0 or >= 1) throw new DatasetException("--val-fraction must be at least 0 and below 1.");
            var connection = StoreConnection.Resolve(result.GetValue(store)!, result.GetValue(provider), result.GetValue(dataFolder));
            var cropName = result.GetValue(crop)!.Trim().ToLowerInvariant();
            var outFolder = result.GetValue(output)!.FullName;
            using var services = connection.Open();
            var observations = Read(services, cropName, ct);
            var plan = ExportPlanner.Plan(observations, result.GetValue(unconfirmed), fraction, result.GetValue(seed));
            if (plan.Rows.Count == 0)
                throw new DatasetException($"Nothing to export for '{cropName}': {plan.Observations} observations, {plan.Unconfirmed} with farmer labels only (see --include-unconfirmed), {plan.Conflicting} with conflicting labels.");
            var files = services.GetRequiredService<PhotoFiles>();
            var missing = SpectreProgress.Run(p =>
            {
                p.Stage($"Copying {plan.Rows.Count} photos", plan.Rows.Count);
                int done = 0;
                return ExportWriter.Write(plan.Rows, outFolder, r => files.PhotoPath(r.Sha256, r.Extension), () => p.Advance(++done));
            });
            PrintCounts(plan, missing, outFolder);
            return missing.Count > 0 ? 1 : 0;
        })));
        return new Command("dataset", "Datasets: from the field store (export), or reframed copies for evaluation (reframe)") { export, DatasetReframeCommand.Create() };
    }

    private static List<FieldStore.Model.Observation> Read(ServiceProvider services, string crop, CancellationToken ct)
    {
        using var scope = services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<FieldStoreContext>();
        try
        {
            return db.Observations.AsNoTracking().Include(o => o.Photo).Where(o => o.Crop == crop).ToListAsync(ct).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is DbException or InvalidOperationException)
        {
            throw new DatasetException($"Cannot read the field store: {e.Message}");
        }
    }

    private static void PrintCounts(ExportPlan plan, IReadOnlyList<ExportRow> missing, string outFolder)
    {
        var written = plan.Rows.Except(missing).ToList();
        var table = new Table().Title($"{written.Count} photos in {Markup.Escape(outFolder)}").AddColumns("class", "train", "val", "by officer", "by farmer");
        string N(int n) => n.ToString(CultureInfo.InvariantCulture);
        foreach (var g in written.GroupBy(r => r.Class).OrderBy(g => g.Key, StringComparer.Ordinal))
            table.AddRow(Markup.Escape(g.Key), N(g.Count(r => r.Split == Split.Train)), N(g.Count(r => r.Split == Split.Val)),
                N(g.Count(r => r.LabelSource == ExportPlanner.LabelByOfficer)), N(g.Count(r => r.LabelSource == ExportPlanner.LabelByFarmer)));
        table.AddRow("[bold]all[/]", N(written.Count(r => r.Split == Split.Train)), N(written.Count(r => r.Split == Split.Val)),
            N(written.Count(r => r.LabelSource == ExportPlanner.LabelByOfficer)), N(written.Count(r => r.LabelSource == ExportPlanner.LabelByFarmer)));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"{N(plan.Observations)} observations; {N(plan.DuplicatesMerged)} repeated photos merged; left out: {N(plan.Unconfirmed)} farmer-only (--include-unconfirmed), " +
            $"{N(plan.Conflicting)} with conflicting labels, {N(plan.Unlabelled)} with no label; plots in val: {N(written.Where(r => r.Split == Split.Val).Select(r => r.SplitGroup).Distinct().Count())} of {N(written.Select(r => r.SplitGroup).Distinct().Count())}.");
        foreach (var m in missing) AnsiConsole.MarkupLine($"[red]missing photo file[/] {Markup.Escape(m.Sha256)} (class {Markup.Escape(m.Class)}): left out");
        if (written.Count(r => r.Split == Split.Val) == 0) AnsiConsole.MarkupLine("[yellow]No plot went to val: train will have nothing to choose on. Add plots or raise --val-fraction.[/]");
    }
}
