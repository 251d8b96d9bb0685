using System.Net;
using System.Net.Http.Json;
using CropVision.FieldStore.Model;
using CropVision.Tests.Support;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using static CropVision.Tests.Support.ServiceRequests;

namespace CropVision.Tests.Api.Accounts;

/// <summary>The service of these tests: small sign-in limits, so an attack is quick to replay.</summary>
public sealed class ThrottledOfficerServices : OfficerServices
{
    public const int AttemptsPerAddress = 12, FailuresPerUser = 5;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Accounts:SignIn:AttemptsPerAddress"] = AttemptsPerAddress.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Accounts:SignIn:AddressWindow"] = "01:00:00",
        ["Accounts:SignIn:FailuresPerUser"] = FailuresPerUser.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Accounts:SignIn:FailureWindow"] = "01:00:00",
    };
}

/// <summary>
/// Password guessing is slowed without handing the guesser a weapon: the owner keeps their sessions and signs in from
/// their own address; a stranger cannot tell a real user name from an unknown one. Each test acts from its own addresses.
/// </summary>
[Trait("Category", "Postgres")]
public sealed class SignInAttackTests(ThrottledOfficerServices services) : IClassFixture<ThrottledOfficerServices>
{
    private const string Password = "long-enough-1";

    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Wrong_passwords_from_an_attacker_do_not_lock_out_the_owner(string provider)
    {
        var service = await services.GetAsync(provider);
        var name = $"owner-{provider}";
        await CreateAsync(service, name, "officer");
        using var owner = TestClientAddress.From(await service.AsAsync(name, Password), "10.1.0.1");
        using var attacker = TestClientAddress.From(service.Anonymous(), $"10.66.0.{Octet(provider)}");

        for (int i = 0; i < ThrottledOfficerServices.FailuresPerUser; i++)
            await Problem(await attacker.PostAsJsonAsync("/v1/auth/token", new { userName = name, password = $"guess-{i}-wrong" }), HttpStatusCode.Unauthorized);
        // The guesser is held off, even with the right password now: it cannot learn that it has found it.
        await Problem(await attacker.PostAsJsonAsync("/v1/auth/token", new { userName = name, password = Password }), HttpStatusCode.TooManyRequests);
        var retry = (await attacker.PostAsJsonAsync("/v1/auth/token", new { userName = name, password = "x-wrong-guess" })).Headers.RetryAfter?.Delta;
        Assert.NotNull(retry);
        Assert.True(retry > TimeSpan.FromMinutes(30), $"Retry-After {retry} should reach to the end of the failure window");

        // The owner's live session goes on, and the owner signs in from their own address with the right password.
        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync("/v1/surveys")).StatusCode);
        var ownerSignIn = TestClientAddress.From(service.Anonymous(), "10.1.0.1");
        Assert.Equal(HttpStatusCode.OK, (await ownerSignIn.PostAsJsonAsync("/v1/auth/token", new { userName = name, password = Password })).StatusCode);
        using var admin = await service.AdminAsync();
        var view = await admin.GetFromJsonAsync<System.Text.Json.JsonElement>($"/v1/accounts/{name}");
        Assert.False(view.GetProperty("lockedOut").GetBoolean());
    }

    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Sign_ins_beyond_the_address_limit_get_429_with_retry_after(string provider)
    {
        var service = await services.GetAsync(provider);
        using var sprayer = TestClientAddress.From(service.Anonymous(), $"10.77.0.{Octet(provider)}");
        // One guess per name, many names: the per-name throttle never trips, the per-address limit does.
        for (int i = 0; i < ThrottledOfficerServices.AttemptsPerAddress; i++)
            await Problem(await sprayer.PostAsJsonAsync("/v1/auth/token", new { userName = $"name-{i}", password = "spray-password" }), HttpStatusCode.Unauthorized);
        var refused = await sprayer.PostAsJsonAsync("/v1/auth/login", new { userName = "name-x", password = "spray-password" });
        await Problem(refused, HttpStatusCode.TooManyRequests);
        Assert.NotNull(refused.Headers.RetryAfter?.Delta);

        // Another address is not affected.
        using var other = TestClientAddress.From(service.Anonymous(), $"10.78.0.{Octet(provider)}");
        Assert.Equal(HttpStatusCode.OK, (await other.PostAsJsonAsync("/v1/auth/token", new { userName = OfficerService.AdminUser, password = OfficerService.AdminPassword })).StatusCode);
    }

    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task An_unknown_user_name_is_answered_exactly_like_a_wrong_password(string provider)
    {
        var service = await services.GetAsync(provider);
        var real = $"real-{provider}";
        await CreateAsync(service, real, "officer");
        var hashes = new CountingPasswordHasher();
        await using var counted = service.Factory.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<IPasswordHasher<Account>>(hashes)));

        async Task<(string, string, int)> GuessAsync(string name, string address)
        {
            using var client = TestClientAddress.From(counted.CreateClient(), address);
            var before = hashes.Verifications;
            var response = await client.PostAsJsonAsync("/v1/auth/token", new { userName = name, password = "not-the-password" });
            var body = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
            return ($"{(int)response.StatusCode} {body.GetProperty("title")}: {body.GetProperty("detail")}", response.Headers.RetryAfter?.ToString() ?? "", hashes.Verifications - before);
        }

        var (realAnswer, _, realWork) = await GuessAsync(real, "10.88.1.1");
        var (unknownAnswer, _, unknownWork) = await GuessAsync($"nobody-{provider}", "10.88.1.2");
        Assert.Equal(realAnswer, unknownAnswer);
        Assert.Equal(1, realWork);
        Assert.Equal(realWork, unknownWork); // the same hash work, so the same time

        // Throttled alike too: no "Account locked" or 429 that only real accounts get.
        for (int i = 1; i < ThrottledOfficerServices.FailuresPerUser; i++)
        {
            await GuessAsync(real, "10.88.1.1");
            await GuessAsync($"nobody-{provider}", "10.88.1.2");
        }
        var (realHeld, _, _) = await GuessAsync(real, "10.88.1.1");
        var (unknownHeld, _, _) = await GuessAsync($"nobody-{provider}", "10.88.1.2");
        Assert.StartsWith("429", realHeld);
        Assert.Equal(realHeld, unknownHeld);
    }

    private static async Task CreateAsync(OfficerService service, string name, string role)
    {
        using var admin = await service.AdminAsync();
        var created = await admin.PostAsJsonAsync("/v1/accounts", new { userName = name, password = Password, team = "north", roles = new[] { role } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    private static int Octet(string provider) => provider == "sqlite" ? 1 : 2;

    /// <summary>Identity's own hasher, counting how many hashes a sign-in verifies.</summary>
    private sealed class CountingPasswordHasher : IPasswordHasher<Account>
    {
        private readonly PasswordHasher<Account> _inner = new();
        private int _verifications;
        public int Verifications => Volatile.Read(ref _verifications);
        public string HashPassword(Account user, string password) => _inner.HashPassword(user, password);

        public PasswordVerificationResult VerifyHashedPassword(Account user, string hashedPassword, string providedPassword)
        {
            Interlocked.Increment(ref _verifications);
            return _inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
        }
    }
}
