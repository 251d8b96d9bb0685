using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace CropVision.FieldStore.Infrastructure;

// Used only by `dotnet ef migrations add` (see README): each provider's context with a placeholder connection.
sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteFieldStoreContext>
{
    public SqliteFieldStoreContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteFieldStoreContext>().UseSqlite("Data Source=design.db").Options);
}

sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresFieldStoreContext>
{
    public PostgresFieldStoreContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresFieldStoreContext>().UseNpgsql("Host=localhost;Database=design").Options);
}
