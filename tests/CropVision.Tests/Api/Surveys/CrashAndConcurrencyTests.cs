using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using CropVision.FieldStore.Infrastructure;
using CropVision.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CropVision.Tests.Api.Surveys;

/// <summary>Real child processes: SIGKILL during an import, and two services on one PostgreSQL database.</summary>
[Trait("Category", "Postgres")]
public sealed class CrashAndConcurrencyTests
{
    private static Dictionary<string, string?> Settings(TestDatabase db) => new(db.Settings())
    {
        ["Models:Folder"] = ServiceFactory.CommittedModels,
        ["Models:WatchForChanges"] = "false",
        ["Inference:IntraOpThreads"] = "1",
        ["Admin:Bootstrap:User"] = OfficerService.AdminUser,
        ["Admin:Bootstrap:Password"] = OfficerService.AdminPassword,
        ["Imports:LeaseSeconds"] = "2",
        ["Imports:PollSeconds"] = "1",
    };

    private static async Task<HttpClient> SignInAsync(ChildService service)
    {
        var client = service.Client();
        var token = await client.PostAsJsonAsync("/v1/auth/token", new { userName = OfficerService.AdminUser, password = OfficerService.AdminPassword });
        token.EnsureSuccessStatusCode();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await token.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString());
        return client;
    }

    /// <summary>Every file under photos/ is named by its own SHA-256 (none half-written) and used by a row (none orphaned).</summary>
    private static async Task AssertFilesMatchRowsAsync(TestDatabase db, int expected)
    {
        await using var services = await db.StoreServicesAsync();
        await using var scope = services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<FieldStoreContext>();
        var used = (await context.Observations.Select(o => o.PhotoSha256).Distinct().ToListAsync()).ToHashSet();
        var files = Directory.EnumerateFiles(Path.Combine(db.DataFolder, "photos"), "*", SearchOption.AllDirectories).ToList();
        foreach (var file in files)
        {
            var sha = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(file)));
            Assert.Equal(sha, Path.GetFileName(Path.GetDirectoryName(file)) + Path.GetFileNameWithoutExtension(file));
            Assert.Contains(sha, used);
        }
        Assert.Equal(expected, files.Count);
        Assert.Equal(expected, used.Count);
        Assert.Equal(expected, Directory.EnumerateFiles(Path.Combine(db.DataFolder, "thumbs"), "*", SearchOption.AllDirectories).Count());
        Assert.Equal(expected, await context.Photos.CountAsync());
    }

    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Kill_9_during_an_import_loses_nothing_doubles_nothing_and_the_job_completes(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var photos = Enumerable.Range(100, 30).Select(i => StorePhotos.Jpeg(i, 900, 600)).ToList();
        var entries = photos.Select((p, i) => ($"day1/IMG_{i:D4}.jpg", p)).Concat(photos.Take(5).Select((p, i) => ($"day1/copy/IMG_{i:D4}.jpg", p))).ToArray();
        var zip = SurveyRequests.Zip(entries);

        string jobUrl;
        HashSet<string> acknowledged;
        // A long lease on both sides: the restarted service must see that the claim's process is dead and take over at
        // once (the job would wait ten minutes otherwise, and the test would time out).
        var longLease = new Dictionary<string, string?>(Settings(db)) { ["Imports:LeaseSeconds"] = "600" };
        await using (var first = await ChildService.StartAsync(longLease))
        {
            using var client = await SignInAsync(first);
            var survey = await SurveyRequests.CreateSurveyAsync(client);
            var started = await client.PostAsync($"/v1/surveys/{survey.GetProperty("id").GetString()}/imports", SurveyRequests.ZipBody(zip));
            Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
            jobUrl = started.Headers.Location!.ToString();
            JsonElement job;
            do
            {
                await Task.Delay(100);
                job = await client.GetFromJsonAsync<JsonElement>(jobUrl);
            } while (job.GetProperty("processedEntries").GetInt32() < 6 && job.GetProperty("state").GetString() != "completed");
            await first.KillAsync();
            Assert.Equal("running", job.GetProperty("state").GetString()); // killed mid-way, not after the end

            // What the service had acknowledged (committed and visible) before it died.
            await using var services = await db.StoreServicesAsync();
            await using var scope = services.CreateAsyncScope();
            acknowledged = (await scope.ServiceProvider.GetRequiredService<FieldStoreContext>().Observations.Select(o => o.PhotoSha256!).ToListAsync()).ToHashSet();
            Assert.InRange(acknowledged.Count, 6, 29);
        }

        await using (var second = await ChildService.StartAsync(longLease))
        {
            using var client = await SignInAsync(second);
            var job = await SurveyRequests.WaitForJobAsync(client, jobUrl, TimeSpan.FromMinutes(4)); // far less than the 10-minute lease
            Assert.Equal("completed", job.GetProperty("state").GetString());
            Assert.Equal((30, 5, 0), (job.GetProperty("added").GetInt32(), job.GetProperty("duplicates").GetInt32(), job.GetProperty("failed").GetInt32()));
        }

        await AssertFilesMatchRowsAsync(db, 30);
        await using var check = await db.StoreServicesAsync();
        await using var s = check.CreateAsyncScope();
        var rows = await s.ServiceProvider.GetRequiredService<FieldStoreContext>().Observations.Select(o => o.PhotoSha256!).ToListAsync();
        Assert.Equal(30, rows.Count);
        Assert.Subset(rows.ToHashSet(), acknowledged);
    }

    [PostgresFact]
    public async Task Two_services_on_one_postgres_database_take_the_same_and_different_photos_at_once()
    {
        await using var db = await TestDatabase.CreateAsync("postgres");
        await using var a = await ChildService.StartAsync(Settings(db));
        await using var b = await ChildService.StartAsync(Settings(db));
        using var clientA = await SignInAsync(a);
        using var clientB = b.Client(); // B accepts A's token: one database, one key ring in the shared data folder
        clientB.DefaultRequestHeaders.Authorization = clientA.DefaultRequestHeaders.Authorization;
        var id = (await SurveyRequests.CreateSurveyAsync(clientA)).GetProperty("id").GetString();
        var url = $"/v1/surveys/{id}/observations";
        var shared = Enumerable.Range(200, 10).Select(i => StorePhotos.Jpeg(i)).ToList();
        var onlyA = Enumerable.Range(300, 5).Select(i => StorePhotos.Jpeg(i)).ToList();
        var onlyB = Enumerable.Range(400, 5).Select(i => StorePhotos.Jpeg(i)).ToList();

        async Task<List<HttpStatusCode>> SendAll(HttpClient client, IEnumerable<byte[]> photos) =>
            [.. await Task.WhenAll(photos.Select(async p =>
                (await client.PostAsync(url, SurveyRequests.Photos((p, "leaf.jpg")))).StatusCode))];
        var results = await Task.WhenAll(SendAll(clientA, shared.Concat(onlyA)), SendAll(clientB, Enumerable.Reverse(shared).Concat(onlyB)));

        // Every request answered: the first of each shared photo 201, the other 200 (the existing observation).
        var all = results.SelectMany(r => r).ToList();
        Assert.All(all, s => Assert.True(s is HttpStatusCode.Created or HttpStatusCode.OK, $"got {s}"));
        Assert.Equal(20, all.Count(s => s == HttpStatusCode.Created));
        var list = await clientB.GetFromJsonAsync<JsonElement>($"{url}?pageSize=200");
        Assert.Equal(20, list.GetProperty("total").GetInt32());
        Assert.Equal(20, list.GetProperty("items").EnumerateArray().Select(o => o.GetProperty("photoSha256").GetString()).Distinct().Count());
        await AssertFilesMatchRowsAsync(db, 20);
    }
}
