using CropVision.FieldStore;
using CropVision.Learning.Data;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CropVision.Learning.DatasetExport;

/// <summary>
/// Opens the field store the service writes, with the service's own settings: <c>--provider</c> is <c>Store:Provider</c>
/// (sqlite or postgres), <c>--store</c> is <c>ConnectionStrings:FieldStore</c>, <c>--data-folder</c> is
/// <c>Store:DataFolder</c> (where the photos are). For SQLite, <c>--store</c> may also be the data folder itself or the
/// .db file, and the photos are then found beside it.
/// </summary>
public sealed record StoreConnection(string Provider, string? ConnectionString, string DataFolder)
{
    public static StoreConnection Resolve(string store, string? provider, string? dataFolder)
    {
        // A PostgreSQL connection string names a host; anything else is SQLite unless --provider says otherwise.
        provider = (provider ?? (store.Contains("Host=", StringComparison.OrdinalIgnoreCase) ? FieldStoreOptions.Postgres : FieldStoreOptions.Sqlite)).Trim().ToLowerInvariant();
        if (provider == FieldStoreOptions.Postgres)
        {
            if (dataFolder is null) throw new DatasetException("--provider postgres needs --data-folder: the folder the service keeps photos in (Store:DataFolder).");
            return new StoreConnection(provider, store, Existing(dataFolder));
        }
        if (provider != FieldStoreOptions.Sqlite) throw new DatasetException($"--provider '{provider}' is not known: use sqlite or postgres (as Store:Provider).");
        if (Directory.Exists(store)) return new StoreConnection(provider, DatabaseFile(Path.Combine(store, "fieldstore.db")), Existing(dataFolder ?? store));
        var file = store.Contains('=') ? DataSource(store) : store;
        if (file is null) throw new DatasetException($"--store '{store}' is neither a data folder, a .db file nor a SQLite connection string with Data Source=.");
        return new StoreConnection(provider, store.Contains('=') ? store : DatabaseFile(file), Existing(dataFolder ?? Path.GetDirectoryName(Path.GetFullPath(file))!));
    }

    /// <summary>The store's services. No migration is applied: an export only reads.</summary>
    public ServiceProvider Open()
    {
        var services = new ServiceCollection();
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        services.AddFieldStore(Provider, ConnectionString, new FieldStorePaths(DataFolder));
        return services.BuildServiceProvider();
    }

    private static string DatabaseFile(string path)
    {
        if (!File.Exists(path)) throw new DatasetException($"No field store at '{Path.GetFullPath(path)}' (give the service's data folder, its fieldstore.db or a connection string).");
        return $"Data Source={Path.GetFullPath(path)}";
    }

    private static string? DataSource(string connection) =>
        connection.Split(';').Select(p => p.Split('=', 2)).FirstOrDefault(p => p.Length == 2 && p[0].Trim().Equals("Data Source", StringComparison.OrdinalIgnoreCase))?[1].Trim();

    private static string Existing(string folder) =>
        Directory.Exists(folder) ? Path.GetFullPath(folder) : throw new DatasetException($"The data folder '{Path.GetFullPath(folder)}' does not exist.");
}
