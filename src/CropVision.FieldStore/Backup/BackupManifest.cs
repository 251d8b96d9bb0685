using System.Text.Json;
using System.Text.Json.Serialization;

namespace CropVision.FieldStore.Backup;

/// <summary>One file in a backup archive: its path in the archive, length and SHA-256 (checked before a restore touches anything).</summary>
public sealed record BackupEntry(string Path, long Length, string Sha256);

/// <summary>The row counts a restore must find again.</summary>
public sealed record BackupCounts(int Surveys, int Observations, int Photos, int Accounts);

/// <summary><c>manifest.json</c> of a store backup: what was backed up, from which provider, with counts and checksums.</summary>
public sealed record BackupManifest(string Format, int Version, DateTimeOffset CreatedAt, string Provider, string Database, BackupCounts Counts,
    IReadOnlyList<BackupEntry> Files)
{
    public const string FileName = "manifest.json";
    public const string FormatName = "cropvision-store-backup";
    public const string SqliteDatabase = "database/fieldstore.db";
    public const string PostgresDatabase = "database/fieldstore.pgdump";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    public static BackupManifest Parse(Stream stream)
    {
        BackupManifest? manifest;
        try { manifest = JsonSerializer.Deserialize<BackupManifest>(stream, Json); }
        catch (JsonException e) { throw new BackupException($"{FileName} is not valid: {e.Message}"); }
        if (manifest is null || manifest.Format != FormatName) throw new BackupException($"{FileName} does not describe a CropVision store backup.");
        if (manifest.Version != 1) throw new BackupException($"Backup format version {manifest.Version} is newer than this console knows (1).");
        return manifest;
    }
}

/// <summary>A backup or restore that cannot go on; the message says why and what to do.</summary>
public sealed class BackupException(string message) : Exception(message);

/// <summary>What a long step reports: a stage with its size, then how much of it is done.</summary>
public sealed record BackupProgress(Action<string, int> Stage, Action<int> Advance)
{
    public static readonly BackupProgress None = new((_, _) => { }, _ => { });
}
