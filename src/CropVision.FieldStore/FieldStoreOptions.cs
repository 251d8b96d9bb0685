namespace CropVision.FieldStore;

/// <summary>"Store" section (the connection string is <c>ConnectionStrings:FieldStore</c>).</summary>
public sealed class FieldStoreOptions
{
    public const string Section = "Store";
    public const string ConnectionStringName = "FieldStore";
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    /// <summary><c>sqlite</c> (default) or <c>postgres</c>.</summary>
    public string Provider { get; set; } = Sqlite;
    /// <summary>Photos, thumbnails, uploaded archives and the SQLite file; relative to the content root (the API project folder).</summary>
    public string DataFolder { get; set; } = "../../data";
    /// <summary>Apply pending migrations when the service starts.</summary>
    public bool MigrateOnStart { get; set; } = true;
    /// <summary>
    /// UTC offset assumed for an EXIF DateTimeOriginal that carries none (phones write local time): Kon Tum is UTC+7.
    /// </summary>
    public TimeSpan PhotoClockOffset { get; set; } = TimeSpan.FromHours(7);
}
