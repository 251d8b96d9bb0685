using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace CropVision.Tests.Support;

/// <summary>
/// The service over the committed models with its own field store on one provider, and a bootstrap admin.
/// One per provider, shared by a test class (see <see cref="OfficerServices"/>).
/// </summary>
public sealed class OfficerService : IAsyncDisposable
{
    public const string AdminUser = "admin";
    public const string AdminPassword = "bootstrap-password-1";
    public const string OfficerPassword = "officer-password-1";

    public TestDatabase Database { get; }
    public ServiceFactory Factory { get; }

    private OfficerService(TestDatabase database, IDictionary<string, string?> extra)
    {
        Database = database;
        var settings = ServiceFactory.Defaults(ServiceFactory.CommittedModels);
        Directory.Delete(settings["Store:DataFolder"]!); // replaced by the test database's own folder
        foreach (var (k, v) in database.Settings()) settings[k] = v;
        settings["Admin:Bootstrap:User"] = AdminUser;
        settings["Admin:Bootstrap:Password"] = AdminPassword;
        settings["Admin:Bootstrap:Team"] = "province";
        // Test clients share one address (none): sign-in throttling per address is tested with its own limits.
        settings["Accounts:SignIn:AttemptsPerAddress"] = "100000";
        foreach (var (k, v) in extra) settings[k] = v;
        Factory = new ServiceFactory(settings);
    }

    public static async Task<OfficerService> StartAsync(string provider, IDictionary<string, string?>? extra = null) =>
        new(await TestDatabase.CreateAsync(provider), extra ?? new Dictionary<string, string?>());

    public HttpClient Anonymous() => Factory.CreateClient();

    public async Task<string> TokenAsync(string user, string password)
    {
        using var client = Factory.CreateClient();
        var response = await client.PostAsJsonAsync("/v1/auth/token", new { userName = user, password });
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("accessToken").GetString()!;
    }

    public async Task<HttpClient> AsAsync(string user, string password)
    {
        var client = Factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(user, password));
        return client;
    }

    public Task<HttpClient> AdminAsync() => AsAsync(AdminUser, AdminPassword);

    /// <summary>Creates an officer of <paramref name="team"/> (as the admin) and returns a client signed in as them.</summary>
    public async Task<HttpClient> NewOfficerAsync(string team, string? name = null)
    {
        name ??= $"officer-{Guid.NewGuid():N}"[..20];
        using var admin = await AdminAsync();
        var created = await admin.PostAsJsonAsync("/v1/accounts", new { userName = name, password = OfficerPassword, team, roles = new[] { "officer" } });
        if (!created.IsSuccessStatusCode) throw new InvalidOperationException($"creating {name}: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
        return await AsAsync(name, OfficerPassword);
    }

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Database.DisposeAsync();
    }
}

/// <summary>Class fixture: one <see cref="OfficerService"/> per provider, started on first use.</summary>
public class OfficerServices : IAsyncLifetime
{
    private readonly Dictionary<string, OfficerService> _services = [];
    private readonly SemaphoreSlim _lock = new(1, 1);

    public async Task<OfficerService> GetAsync(string provider)
    {
        await _lock.WaitAsync();
        try
        {
            if (!_services.TryGetValue(provider, out var service)) _services[provider] = service = await OfficerService.StartAsync(provider, Settings);
            return service;
        }
        finally { _lock.Release(); }
    }

    /// <summary>Settings of this fixture's services, over <see cref="OfficerService"/>'s own.</summary>
    protected virtual IDictionary<string, string?>? Settings => null;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var service in _services.Values) await service.DisposeAsync();
    }
}
