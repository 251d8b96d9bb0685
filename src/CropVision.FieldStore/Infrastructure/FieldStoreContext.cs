using CropVision.FieldStore.Model;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace CropVision.FieldStore.Infrastructure;

/// <summary>
/// The field store: surveys, observations, photos, import jobs and the Identity accounts, in one database.
/// Each provider has its own subclass so each keeps its own migrations (<see cref="SqliteFieldStoreContext"/>,
/// <see cref="PostgresFieldStoreContext"/>); everything else asks for this type.
/// </summary>
public abstract class FieldStoreContext(DbContextOptions options) : IdentityDbContext<Account>(options)
{
    public DbSet<Survey> Surveys => Set<Survey>();
    public DbSet<Observation> Observations => Set<Observation>();
    public DbSet<StoredPhoto> Photos => Set<StoredPhoto>();
    public DbSet<ImportJob> ImportJobs => Set<ImportJob>();
    public DbSet<ImportJobProblem> ImportJobProblems => Set<ImportJobProblem>();
    public DbSet<ShadowAnswer> ShadowAnswers => Set<ShadowAnswer>();
    public DbSet<Plot> Plots => Set<Plot>();
    public DbSet<ReviewEvent> ReviewEvents => Set<ReviewEvent>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(FieldStoreContext).Assembly);
    }
}

/// <summary>SQLite (the default: one file under the data folder).</summary>
public sealed class SqliteFieldStoreContext(DbContextOptions<SqliteFieldStoreContext> options) : FieldStoreContext(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder conventions)
    {
        // SQLite has no date-time type and EF cannot order or compare DateTimeOffset stored as text there:
        // store instants as UTC milliseconds since 1970, which sort and compare as numbers.
        conventions.Properties<DateTimeOffset>().HaveConversion<UnixMillisecondsConverter>();
        conventions.Properties<DateTimeOffset?>().HaveConversion<UnixMillisecondsConverter>();
    }
}

/// <summary>PostgreSQL (a province-wide deployment).</summary>
public sealed class PostgresFieldStoreContext(DbContextOptions<PostgresFieldStoreContext> options) : FieldStoreContext(options);
