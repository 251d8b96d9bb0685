using CropVision.Core.Preprocessing;
using CropVision.FieldStore.Infrastructure;
using CropVision.FieldStore.Observations;
using CropVision.FieldStore.Photos;
using CropVision.FieldStore.Surveys;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CropVision.FieldStore;

public static class FieldStoreExtensions
{
    /// <summary>
    /// Registers the field store: <see cref="FieldStoreContext"/> on SQLite (default) or PostgreSQL (<c>Store:Provider</c>,
    /// <c>ConnectionStrings:FieldStore</c>), the photo files under <c>Store:DataFolder</c>, the observation store, the
    /// farmer-feedback writer, and migrations applied on start.
    /// </summary>
    public static IHostApplicationBuilder AddFieldStore(this IHostApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(FieldStoreOptions.Section);
        builder.Services.Configure<FieldStoreOptions>(section);
        builder.Services.AddOptions<FeedbackPhotoOptions>().BindConfiguration(FeedbackPhotoOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var options = section.Get<FieldStoreOptions>() ?? new FieldStoreOptions();
        var paths = new FieldStorePaths(Path.Combine(builder.Environment.ContentRootPath, options.DataFolder));
        var connectionString = builder.Configuration.GetConnectionString(FieldStoreOptions.ConnectionStringName);

        builder.Services.AddFieldStore(options.Provider, connectionString, paths);
        if (options.MigrateOnStart) builder.Services.AddHostedService<FieldStoreMigrator>();
        return builder;
    }

    /// <summary>The same registrations for a host without an <see cref="IHostApplicationBuilder"/> (the console, tests).</summary>
    public static IServiceCollection AddFieldStore(this IServiceCollection services, string provider, string? connectionString, FieldStorePaths paths)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<FieldStoreOptions>();
        services.AddOptions<FeedbackPhotoOptions>();
        // A host without the serving engine (the console, store tests) gets a gate of its own; AddServing's wins otherwise.
        services.TryAddSingleton(_ => new DecodeGate(0));
        services.AddSingleton(paths);
        switch (provider.Trim().ToLowerInvariant())
        {
            case FieldStoreOptions.Sqlite:
                var sqlite = string.IsNullOrWhiteSpace(connectionString)
                    ? $"Data Source={Path.Combine(paths.Root, "fieldstore.db")}"
                    : connectionString;
                // Default Timeout: how long a writer waits for another's lock before giving up (seconds).
                if (!sqlite.Contains("Timeout", StringComparison.OrdinalIgnoreCase)) sqlite += ";Default Timeout=30";
                services.AddDbContext<FieldStoreContext, SqliteFieldStoreContext>(o => o.UseSqlite(sqlite));
                break;
            case FieldStoreOptions.Postgres:
                if (string.IsNullOrWhiteSpace(connectionString))
                    throw new InvalidOperationException("Store:Provider is 'postgres' but ConnectionStrings:FieldStore is empty: give the PostgreSQL connection string.");
                services.AddDbContext<FieldStoreContext, PostgresFieldStoreContext>(o => o.UseNpgsql(connectionString));
                break;
            default:
                throw new InvalidOperationException($"Store:Provider '{provider}' is not known: use 'sqlite' or 'postgres'.");
        }
        services.AddSingleton<PhotoFiles>();
        services.AddScoped<ObservationStore>();
        services.AddScoped<SurveyStore>();
        services.AddScoped<Plots.PlotStore>();
        services.AddScoped<Observations.ReviewTrail>();
        services.AddScoped<FeedbackPhotoQuota>();
        services.AddScoped<FarmerFeedbackWriter>();
        return services;
    }

    /// <summary>
    /// Key of the PostgreSQL advisory lock held while migrating: EF Core's own lock on PostgreSQL ends with each
    /// migration's transaction, and a process that read the pending list before then applied the next migrations a
    /// second time ("relation ... already exists") when several replicas started at once.
    /// </summary>
    public const long PostgresMigrationLock = 0x43_56_4D_49_47_52_41_54; // "CVMIGRAT"

    /// <summary>Applies pending migrations; processes starting at once wait for each other (a lock on both providers).</summary>
    public static async Task MigrateFieldStoreAsync(this IServiceProvider services, CancellationToken ct = default)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<FieldStoreContext>();
        if (db.Database.IsNpgsql())
        {
            // A session lock on the one connection the migrations run on: held across their commits, released on close.
            await db.Database.OpenConnectionAsync(ct);
            try
            {
                await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_lock({PostgresMigrationLock})", ct);
                try { await db.Database.MigrateAsync(ct); }
                finally { await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_unlock({PostgresMigrationLock})", CancellationToken.None); }
            }
            finally { await db.Database.CloseConnectionAsync(); }
            return;
        }
        await db.Database.MigrateAsync(ct);
        // WAL lets readers work while one writer commits; the setting stays with the file.
        if (!db.Database.IsSqlite()) return;
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
        // The provider creates the file with the process's umask; SQLite gives the -wal and -shm files the file's mode.
        var file = db.Database.GetDbConnection().DataSource;
        foreach (var suffix in new[] { "", "-wal", "-shm" }) FieldStorePaths.MakePrivate(file + suffix);
    }
}

/// <summary>Migrates the store before the service takes requests, and clears temporary files a crash left behind.</summary>
sealed class FieldStoreMigrator(IServiceProvider services, PhotoFiles files) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        await services.MigrateFieldStoreAsync(ct);
        files.CleanTemporaryFiles(TimeSpan.FromHours(1));
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
