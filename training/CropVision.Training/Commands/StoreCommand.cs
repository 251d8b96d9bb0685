using System.CommandLine;
using CropVision.FieldStore.Backup;
using CropVision.Training.Console;
using Spectre.Console;

namespace CropVision.Training.Commands;

/// <summary><c>store backup --out FILE</c> and <c>store restore --from FILE [--force]</c>: the service's field store as one archive.</summary>
public static class StoreCommand
{
    public static Command Create()
    {
        var settings = new Option<string?>("--settings") { Description = "The service's appsettings.json (default: ./appsettings.json, else src/CropVision.Api/appsettings.json); environment variables override it as in the service" };
        var provider = new Option<string?>("--provider") { Description = "Override Store:Provider (sqlite or postgres)" };
        var connection = new Option<string?>("--connection") { Description = "Override ConnectionStrings:FieldStore" };
        var dataFolder = new Option<string?>("--data-folder") { Description = "Override Store:DataFolder (photos, thumbnails and the SQLite file)" };

        var output = new Option<string>("--out") { Description = "The archive to write (a zip; refuses to overwrite one)", Required = true };
        var backup = new Command("backup", "Back the store up while the service runs: database (SQLite online backup or pg_dump), photos, thumbnails, a manifest with counts and SHA-256s")
            { output, settings, provider, connection, dataFolder };
        backup.SetAction((r, ct) => RunAsync(r, settings, provider, connection, dataFolder, async (store, progress) =>
        {
            var m = await store.BackupAsync(r.GetValue(output)!, progress, ct);
            AnsiConsole.MarkupLine($"[green]backed up[/] {Describe(m)} into {Markup.Escape(Path.GetFullPath(r.GetValue(output)!))}");
        }));

        var from = new Option<string>("--from") { Description = "The archive `store backup` wrote", Required = true };
        var force = new Option<bool>("--force") { Description = "Replace a store that already holds data (its photo folders are emptied first)" };
        var restore = new Command("restore", "Restore a backup into the configured store (stop the service first); checks every file's SHA-256 first and the counts after")
            { from, force, settings, provider, connection, dataFolder };
        restore.SetAction((r, ct) => RunAsync(r, settings, provider, connection, dataFolder, async (store, progress) =>
        {
            var m = await store.RestoreAsync(r.GetValue(from)!, r.GetValue(force), progress, ct);
            AnsiConsole.MarkupLine($"[green]restored[/] {Describe(m)}, backed up {m.CreatedAt:yyyy-MM-dd HH:mm} UTC; the service applies newer migrations when it starts");
        }));
        return new Command("store", "Back up and restore the service's field store") { backup, restore };
    }

    private static string Describe(BackupManifest m) =>
        $"{m.Counts.Surveys} surveys, {m.Counts.Observations} observations, {m.Counts.Photos} photos, {m.Counts.Accounts} accounts ({m.Files.Count - 1} photo and thumbnail files)";

    private static async Task<int> RunAsync(ParseResult r, Option<string?> settings, Option<string?> provider, Option<string?> connection, Option<string?> dataFolder,
        Func<StoreBackup, BackupProgress, Task> work)
    {
        try
        {
            var store = ServiceStoreSettings.Load(r.GetValue(settings), r.GetValue(provider), r.GetValue(connection), r.GetValue(dataFolder));
            AnsiConsole.MarkupLine($"[grey]{Markup.Escape(store.ToString())}[/]");
            await using var services = store.Open();
            await AnsiConsole.Progress().AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
                .StartAsync(async ctx =>
                {
                    ProgressTask? task = null;
                    var progress = new BackupProgress(
                        (name, total) => { if (task is not null) task.Value = task.MaxValue; task = ctx.AddTask(Markup.Escape(name), maxValue: Math.Max(1, total)); },
                        done => { if (task is not null) task.Value = done; });
                    await work(new StoreBackup(services, store.Provider), progress);
                });
            return 0;
        }
        catch (Exception e) when (e is BackupException or InvalidOperationException or IOException or FileNotFoundException or UnauthorizedAccessException or System.Data.Common.DbException)
        {
            AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            AnsiConsole.MarkupLine("[yellow]cancelled.[/]");
            return 130;
        }
    }
}
