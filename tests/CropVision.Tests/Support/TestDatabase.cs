using CropVision.FieldStore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CropVision.Tests.Support;

/// <summary>
/// A fresh, empty field store for one test: a SQLite file in a temporary folder, or a new database on the PostgreSQL
/// server named by CROPVISION_TEST_POSTGRES (a connection string; `.ci/run` starts a throw-away server and sets it).
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string PostgresVariable = "CROPVISION_TEST_POSTGRES";
    public static string? PostgresServer => Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } cs ? cs : null;

    /// <summary>The providers to run store tests on: SQLite always, PostgreSQL when a server is configured.</summary>
    public static TheoryData<string> Providers
    {
        get
        {
            var data = new TheoryData<string> { FieldStoreOptions.Sqlite };
            if (PostgresServer is not null) data.Add(FieldStoreOptions.Postgres);
            return data;
        }
    }

    public TempFolder Folder { get; } = new();
    public string Provider { get; }
    public string ConnectionString { get; }
    public string DataFolder => Folder.Sub("data");
    private readonly string? _postgresDatabase;

    private TestDatabase(string provider, string connectionString, string? postgresDatabase)
    {
        Provider = provider;
        ConnectionString = connectionString;
        _postgresDatabase = postgresDatabase;
    }

    public static async Task<TestDatabase> CreateAsync(string provider)
    {
        if (provider == FieldStoreOptions.Sqlite)
        {
            return new TestDatabase(provider, "", null);
        }
        var server = PostgresServer ?? throw new InvalidOperationException($"{PostgresVariable} is not set.");
        var name = $"cropvision_test_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }
        var builder = new NpgsqlConnectionStringBuilder(server) { Database = name };
        return new TestDatabase(provider, builder.ConnectionString, name);
    }

    /// <summary>Settings for a service (WebApplicationFactory or a child process) on this database.</summary>
    public Dictionary<string, string?> Settings() => new()
    {
        ["Store:Provider"] = Provider,
        ["Store:DataFolder"] = DataFolder,
        ["ConnectionStrings:FieldStore"] = ConnectionString,
    };

    /// <summary>A service provider with the store alone, migrated.</summary>
    public async Task<ServiceProvider> StoreServicesAsync(TimeProvider? clock = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        if (clock is not null) services.AddSingleton(clock);
        services.AddFieldStore(Provider, ConnectionString.Length == 0 ? null : ConnectionString, new FieldStorePaths(DataFolder));
        var provider = services.BuildServiceProvider();
        await provider.MigrateFieldStoreAsync();
        return provider;
    }

    public async ValueTask DisposeAsync()
    {
        if (_postgresDatabase is not null && PostgresServer is { } server)
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(server);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_postgresDatabase}\" WITH (FORCE)", connection);
            await command.ExecuteNonQueryAsync();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Folder.Dispose();
    }
}

/// <summary>A visible marker in test output: the PostgreSQL half of the store tests runs only with a server.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (TestDatabase.PostgresServer is null)
            Skip = $"{TestDatabase.PostgresVariable} is not set: the store tests ran on SQLite only (.ci/run starts a PostgreSQL 15 server and sets it; see README).";
    }
}
