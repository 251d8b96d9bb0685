using CropVision.Api.Accounts;
using CropVision.FieldStore;
using CropVision.FieldStore.Infrastructure;
using CropVision.FieldStore.Model;
using CropVision.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CropVision.Tests.Api.Surveys;

/// <summary>
/// Replicas started together by a service manager (deploy/local/start.sh with STAGGER=0) on an empty database: every
/// one migrates and bootstraps the admin at the same moment. Each migration commits on its own, and PostgreSQL's
/// migration lock went with the commit, so a second process applied later migrations again ("relation ... already
/// exists"); two processes creating the first admin both inserted it (a unique-index violation ended a start).
/// </summary>
[Trait("Category", "Postgres")]
public sealed class ConcurrentStartTests
{
    private const int Processes = 4;

    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Services_migrating_one_empty_database_at_once_all_start(string provider)
    {
        for (int round = 0; round < 3; round++)
        {
            await using var db = await TestDatabase.CreateAsync(provider);
            var hosts = Enumerable.Range(0, Processes).Select(_ => StoreServices(db)).ToList();
            try
            {
                await Task.WhenAll(hosts.Select(h => Task.Run(() => h.MigrateFieldStoreAsync())));
                await using var scope = hosts[0].CreateAsyncScope();
                var context = scope.ServiceProvider.GetRequiredService<FieldStoreContext>();
                Assert.Empty(await context.Database.GetPendingMigrationsAsync());
                Assert.Equal(context.Database.GetMigrations().Count(), (await context.Database.GetAppliedMigrationsAsync()).Count());
            }
            finally
            {
                foreach (var h in hosts) await h.DisposeAsync();
            }
        }
    }

    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Services_bootstrapping_the_first_admin_at_once_all_start_and_make_one(string provider)
    {
        for (int round = 0; round < 3; round++)
        {
            await using var db = await TestDatabase.CreateAsync(provider);
            await (await db.StoreServicesAsync()).DisposeAsync(); // migrated once, before the race this test is about
            var apps = Enumerable.Range(0, Processes).Select(_ => AccountsHost(db)).ToList();
            try
            {
                var bootstraps = apps.Select(a => a.Services.GetServices<IHostedService>().OfType<AdminBootstrap>().Single()).ToList();
                await Task.WhenAll(bootstraps.Select(b => Task.Run(() => b.StartAsync(CancellationToken.None))));
                await using var scope = apps[0].Services.CreateAsyncScope();
                var users = scope.ServiceProvider.GetRequiredService<UserManager<Account>>();
                var admin = Assert.Single(users.Users.ToList());
                Assert.Equal("admin", admin.UserName);
                Assert.Equal([Roles.Admin, Roles.Officer], (await users.GetRolesAsync(admin)).Order(StringComparer.Ordinal));
            }
            finally
            {
                foreach (var a in apps) await a.DisposeAsync();
            }
        }
    }

    private static ServiceProvider StoreServices(TestDatabase db)
    {
        var services = new ServiceCollection();
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Critical));
        services.AddFieldStore(db.Provider, db.ConnectionString.Length == 0 ? null : db.ConnectionString, new FieldStorePaths(db.DataFolder));
        return services.BuildServiceProvider();
    }

    /// <summary>The store and the accounts of one service, without the models (the bootstrap is what is raced).</summary>
    private static WebApplication AccountsHost(TestDatabase db)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(db.Settings())
        {
            ["Store:MigrateOnStart"] = "false",
            ["Admin:Bootstrap:User"] = "admin",
            ["Admin:Bootstrap:Password"] = "a-long-password-1",
        });
        builder.AddFieldStore();
        builder.AddAccounts();
        return builder.Build();
    }
}
