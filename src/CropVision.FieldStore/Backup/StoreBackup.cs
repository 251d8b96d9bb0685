using System.Data.Common;
using System.IO.Compression;
using System.Security.Cryptography;
using CropVision.FieldStore.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CropVision.FieldStore.Backup;

/// <summary>
/// Backs a field store up into one zip (the database, the photo and thumbnail folders, a manifest with counts and
/// SHA-256s) and restores it: SQLite through its online backup API (a consistent copy while the service runs),
/// PostgreSQL through pg_dump/pg_restore in the custom format. The key ring and import uploads are not included:
/// after a restore officers sign in again, and unfinished imports are started again.
/// </summary>
public sealed class StoreBackup(IServiceProvider services, string provider)
{
    private static readonly string[] Folders = ["photos", "thumbs"];

    private FieldStorePaths Paths => services.GetRequiredService<FieldStorePaths>();
    private bool IsSqlite => provider.Trim().Equals(FieldStoreOptions.Sqlite, StringComparison.OrdinalIgnoreCase);

    public async Task<BackupManifest> BackupAsync(string outFile, BackupProgress progress, CancellationToken ct)
    {
        outFile = Path.GetFullPath(outFile);
        if (File.Exists(outFile)) throw new BackupException($"'{outFile}' exists already: choose another name (a backup never overwrites one).");
        Directory.CreateDirectory(Path.GetDirectoryName(outFile)!);
        var work = Path.Combine(Path.GetDirectoryName(outFile)!, $".cropvision-backup-{Guid.NewGuid():N}");
        FieldStorePaths.CreatePrivateFolder(work);
        try
        {
            progress.Stage("Database", 1);
            if (IsSqlite && new SqliteConnectionStringBuilder(ConnectionString()).DataSource is var dbFile && !File.Exists(dbFile))
                throw new BackupException($"No SQLite store at '{dbFile}': check Store:DataFolder and ConnectionStrings:FieldStore (or --data-folder).");
            BackupCounts counts;
            try { counts = await CountAsync(ct); }
            catch (DbException e) when (IsMissingTable(e)) { throw new BackupException($"The store has no tables yet ({e.Message}): is it the service's store? The service creates them on its first start."); }
            var databaseFile = Path.Combine(work, "database");
            string databaseEntry;
            if (IsSqlite)
            {
                databaseEntry = BackupManifest.SqliteDatabase;
                await using var source = new SqliteConnection(ConnectionString());
                await source.OpenAsync(ct);
                await using var copy = new SqliteConnection($"Data Source={databaseFile};Pooling=False");
                await copy.OpenAsync(ct);
                source.BackupDatabase(copy); // SQLite's online backup: a consistent snapshot while others write
            }
            else
            {
                databaseEntry = BackupManifest.PostgresDatabase;
                var cs = ConnectionString();
                await PgTools.RunAsync("pg_dump", cs, ["--format=custom", "--no-owner", "--no-privileges", "--file", databaseFile, PgTools.Database(cs)], ct);
            }
            progress.Advance(1);

            var files = Folders.SelectMany(f => Directory.Exists(Path.Combine(Paths.Root, f))
                ? Directory.EnumerateFiles(Path.Combine(Paths.Root, f), "*", SearchOption.AllDirectories) : []).Order(StringComparer.Ordinal).ToList();
            progress.Stage($"Photos and thumbnails ({files.Count} files)", files.Count);
            var part = outFile + ".part";
            var entries = new List<BackupEntry>();
            BackupManifest manifest;
            await using (var stream = new FileStream(part, FieldStorePaths.PrivateNewFile()))
            using (var zip = new ZipArchive(stream, ZipArchiveMode.Create))
            {
                entries.Add(await AddAsync(zip, databaseFile, databaseEntry, CompressionLevel.Optimal, ct));
                int done = 0;
                foreach (var file in files)
                {
                    var name = Path.GetRelativePath(Paths.Root, file).Replace('\\', '/');
                    // Photos are JPEG/PNG/WebP already: compressing again costs time and saves nothing.
                    entries.Add(await AddAsync(zip, file, name, CompressionLevel.NoCompression, ct));
                    progress.Advance(++done);
                }
                manifest = new BackupManifest(BackupManifest.FormatName, 1, DateTimeOffset.UtcNow, IsSqlite ? FieldStoreOptions.Sqlite : FieldStoreOptions.Postgres,
                    databaseEntry, counts, entries);
                var m = zip.CreateEntry(BackupManifest.FileName, CompressionLevel.Optimal);
                await using (var ms = await m.OpenAsync(ct)) await ms.WriteAsync(manifest.ToJson(), ct);
            }
            // Only a complete archive gets the name asked for.
            File.Move(part, outFile, overwrite: false);
            return manifest;
        }
        catch
        {
            File.Delete(outFile + ".part");
            throw;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>
    /// Restores an archive into this store. Checks every file's SHA-256 first; refuses a store that holds data unless
    /// <paramref name="force"/> (then its database is replaced and its photo folders emptied first); checks the counts after.
    /// </summary>
    public async Task<BackupManifest> RestoreAsync(string fromFile, bool force, BackupProgress progress, CancellationToken ct)
    {
        if (!File.Exists(fromFile)) throw new BackupException($"No backup at '{Path.GetFullPath(fromFile)}'.");
        using var zip = ZipFile.OpenRead(fromFile);
        var manifest = BackupManifest.Parse((zip.GetEntry(BackupManifest.FileName) ?? throw new BackupException($"'{fromFile}' has no {BackupManifest.FileName}: not a store backup.")).Open());
        var expected = IsSqlite ? FieldStoreOptions.Sqlite : FieldStoreOptions.Postgres;
        if (manifest.Provider != expected)
            throw new BackupException($"The backup is of a {manifest.Provider} store and this store is {expected}: restore into a store of the same provider.");

        progress.Stage($"Checking {manifest.Files.Count} files", manifest.Files.Count);
        int done = 0;
        foreach (var f in manifest.Files)
        {
            if (f.Path.Contains("..", StringComparison.Ordinal) || Path.IsPathRooted(f.Path)) throw new BackupException($"The manifest names an unsafe path '{f.Path}'.");
            var entry = zip.GetEntry(f.Path) ?? throw new BackupException($"The archive lacks '{f.Path}' that its manifest lists.");
            await using (var s = entry.Open())
                if (Convert.ToHexStringLower(await SHA256.HashDataAsync(s, ct)) != f.Sha256) throw new BackupException($"'{f.Path}' does not match its SHA-256: the archive is damaged.");
            progress.Advance(++done);
        }

        if (await HoldsDataAsync(ct) is { } what && !force)
            throw new BackupException($"The store is not empty ({what}): restore refuses to overwrite it. Give --force to replace it.");

        progress.Stage("Database", 1);
        var work = Paths.NewTempFile();
        try
        {
            zip.GetEntry(manifest.Database)!.ExtractToFile(work);
            if (IsSqlite)
            {
                await using var source = new SqliteConnection($"Data Source={work};Mode=ReadOnly;Pooling=False");
                await source.OpenAsync(ct);
                await using var target = new SqliteConnection(ConnectionString());
                await target.OpenAsync(ct);
                source.BackupDatabase(target); // replaces every page of the target, whatever it held
                SqliteConnection.ClearAllPools();
            }
            else
            {
                var cs = ConnectionString();
                await PgTools.RunAsync("pg_restore", cs, ["--no-owner", "--no-privileges", "--exit-on-error", "--clean", "--if-exists", "--dbname", PgTools.Database(cs), work], ct);
            }
        }
        finally { File.Delete(work); }
        progress.Advance(1);

        var photos = manifest.Files.Where(f => f.Path != manifest.Database).ToList();
        progress.Stage($"Photos and thumbnails ({photos.Count} files)", photos.Count);
        if (force) foreach (var f in Folders) if (Directory.Exists(Path.Combine(Paths.Root, f))) Directory.Delete(Path.Combine(Paths.Root, f), recursive: true);
        done = 0;
        foreach (var f in photos)
        {
            var target = Paths.Resolve(f.Path);
            FieldStorePaths.CreatePrivateFolder(Path.GetDirectoryName(target)!);
            zip.GetEntry(f.Path)!.ExtractToFile(target, overwrite: true);
            progress.Advance(++done);
        }

        var found = await CountAsync(ct);
        if (found != manifest.Counts) throw new BackupException($"After the restore the store holds {found}, the backup listed {manifest.Counts}.");
        return manifest;
    }

    /// <summary>What the store holds, or null when empty (no tables yet, or tables with no rows, and no photo files).</summary>
    public async Task<string?> HoldsDataAsync(CancellationToken ct)
    {
        var files = Folders.Sum(f => Directory.Exists(Path.Combine(Paths.Root, f)) ? Directory.EnumerateFiles(Path.Combine(Paths.Root, f), "*", SearchOption.AllDirectories).Count() : 0);
        BackupCounts? counts;
        try { counts = await CountAsync(ct); }
        catch (DbException e) when (IsMissingTable(e)) { counts = null; }
        var parts = new List<string>();
        if (counts is { } c && (c.Surveys + c.Observations + c.Photos + c.Accounts) > 0)
            parts.Add($"{c.Surveys} surveys, {c.Observations} observations, {c.Photos} photos, {c.Accounts} accounts");
        if (files > 0) parts.Add($"{files} photo files");
        return parts.Count == 0 ? null : string.Join("; ", parts);
    }

    public async Task<BackupCounts> CountAsync(CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<FieldStoreContext>();
        return new BackupCounts(await db.Surveys.CountAsync(ct), await db.Observations.CountAsync(ct), await db.Photos.CountAsync(ct), await db.Users.CountAsync(ct));
    }

    private string ConnectionString()
    {
        using var scope = services.CreateScope();
        return scope.ServiceProvider.GetRequiredService<FieldStoreContext>().Database.GetConnectionString()
            ?? throw new BackupException("The store has no connection string.");
    }

    private static bool IsMissingTable(DbException e) =>
        e is SqliteException { SqliteErrorCode: 1 } s && s.Message.Contains("no such table", StringComparison.Ordinal)
        || e is PostgresException { SqlState: PostgresErrorCodes.UndefinedTable };

    private static async Task<BackupEntry> AddAsync(ZipArchive zip, string file, string name, CompressionLevel level, CancellationToken ct)
    {
        var entry = zip.CreateEntry(name, level);
        await using var input = File.OpenRead(file);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using (var output = await entry.OpenAsync(ct))
        {
            var buffer = new byte[81920];
            int n;
            while ((n = await input.ReadAsync(buffer, ct)) > 0)
            {
                sha.AppendData(buffer, 0, n);
                await output.WriteAsync(buffer.AsMemory(0, n), ct);
            }
        }
        return new BackupEntry(name, input.Length, Convert.ToHexStringLower(sha.GetHashAndReset()));
    }
}
