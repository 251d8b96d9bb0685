using CropVision.FieldStore.Infrastructure;
using CropVision.FieldStore.Model;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CropVision.Api.Accounts;

/// <summary>
/// On start: makes sure the roles exist and, when there is no account at all, creates the first admin from
/// Admin:Bootstrap:User and Admin:Bootstrap:Password (never a default password: without them no account is created).
/// Runs after the store's migrations (registered after AddFieldStore).
/// </summary>
sealed class AdminBootstrap(IServiceProvider services, IOptions<BootstrapOptions> options, ILogger<AdminBootstrap> log, TimeProvider clock) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<Account>>();
        var db = scope.ServiceProvider.GetRequiredService<FieldStoreContext>();
        foreach (var role in Roles.All)
            if (!await roles.RoleExistsAsync(role))
            {
                try { await roles.CreateAsync(new IdentityRole(role)); }
                catch (DbUpdateException)
                {
                    // Another process (a replica starting at the same moment) created it first. The refused row stays
                    // tracked as Added and would make the next save in this scope fail the same way: forget it.
                    db.ChangeTracker.Clear();
                }
            }

        if (users.Users.Any()) return;
        var (user, password) = (options.Value.User, options.Value.Password);
        if (string.IsNullOrWhiteSpace(user) || string.IsNullOrEmpty(password))
        {
            log.LogWarning("No accounts exist and Admin:Bootstrap:User / Admin:Bootstrap:Password are not set: no one can sign in to the officer pages.");
            return;
        }
        var admin = new Account { UserName = user, Team = options.Value.Team, CreatedAt = clock.GetUtcNow() };
        IdentityResult created;
        try { created = await users.CreateAsync(admin, password); }
        catch (DbUpdateException)
        {
            // Another process inserted the same name between Identity's uniqueness check and this insert: it won.
            db.ChangeTracker.Clear();
            if (await users.FindByNameAsync(user) is null) throw;
            return;
        }
        if (!created.Succeeded)
        {
            if (await users.FindByNameAsync(user) is null)
                throw new InvalidOperationException($"The bootstrap admin '{user}' could not be created: {string.Join(" ", created.Errors.Select(e => e.Description))}");
            return; // another process created it first
        }
        await users.AddToRolesAsync(admin, [Roles.Admin, Roles.Officer]);
        log.LogInformation("Created the first admin account '{User}' from Admin:Bootstrap.", user);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
