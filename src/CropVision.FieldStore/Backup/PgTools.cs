using System.Diagnostics;
using Npgsql;

namespace CropVision.FieldStore.Backup;

/// <summary>pg_dump and pg_restore: found on PATH, else in the newest /usr/lib/postgresql/*/bin (Debian's place).</summary>
public static class PgTools
{
    public static string? Find(string tool)
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, tool)).FirstOrDefault(File.Exists);
        if (onPath is not null) return onPath;
        const string debian = "/usr/lib/postgresql";
        if (!Directory.Exists(debian)) return null;
        return Directory.EnumerateDirectories(debian).OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0)
            .Select(d => Path.Combine(d, "bin", tool)).FirstOrDefault(File.Exists);
    }

    /// <summary>Runs a PostgreSQL client tool against the database a connection string names (the password goes in PGPASSWORD, never on the command line).</summary>
    public static async Task RunAsync(string tool, string connectionString, IEnumerable<string> arguments, CancellationToken ct)
    {
        var path = Find(tool) ?? throw new BackupException($"{tool} was not found on PATH or in /usr/lib/postgresql/*/bin: install the PostgreSQL client (apt-get install postgresql-client).");
        var cs = new NpgsqlConnectionStringBuilder(connectionString);
        var start = new ProcessStartInfo(path) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "--host", cs.Host ?? "localhost", "--port", cs.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) }) start.ArgumentList.Add(a);
        if (!string.IsNullOrEmpty(cs.Username)) { start.ArgumentList.Add("--username"); start.ArgumentList.Add(cs.Username); }
        start.ArgumentList.Add("--no-password");
        foreach (var a in arguments) start.ArgumentList.Add(a);
        if (!string.IsNullOrEmpty(cs.Password)) start.Environment["PGPASSWORD"] = cs.Password;
        using var process = Process.Start(start) ?? throw new BackupException($"{tool} did not start.");
        var error = process.StandardError.ReadToEndAsync(ct);
        var output = process.StandardOutput.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0) throw new BackupException($"{tool} failed (exit {process.ExitCode}): {(await error).Trim()} {(await output).Trim()}".Trim());
    }

    public static string Database(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString).Database ?? throw new BackupException("The PostgreSQL connection string names no Database.");
}
