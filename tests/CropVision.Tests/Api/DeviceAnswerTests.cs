using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CropVision.FieldStore.Infrastructure;
using CropVision.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CropVision.Tests.Api;

/// <summary>The officer service on each provider, with room for many uploads from the tests' one address.</summary>
public sealed class DeviceAnswerServices : OfficerServices
{
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["Feedback:PermitLimit"] = "1000" };
}

/// <summary>
/// POST /v1/device-answers: an answer made on the phone offline, sent with its photo once online, stored once per
/// phone id as farmer feedback marked as answered on the device, beside the service's own answer, and in the review queue.
/// </summary>
[Trait("Category", "Postgres")]
public sealed class DeviceAnswerTests(DeviceAnswerServices services) : IClassFixture<DeviceAnswerServices>
{
    private static readonly string[] Classes = ["cercospora", "healthy", "miner", "phoma", "rust"];

    private static MultipartFormDataContent Form(byte[] photo, Guid id, string label, string status, params (string Name, string? Value)[] changes)
    {
        var fields = new Dictionary<string, string?>
        {
            ["id"] = id.ToString(), ["crop"] = "coffee", ["modelVersion"] = ServiceFactory.NewestCoffeeVersion.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["label"] = label, ["confidence"] = "0.81", ["severity"] = "2", ["status"] = status,
            ["probabilities"] = JsonSerializer.Serialize(Classes.ToDictionary(c => c, c => c == label ? 0.81 : 0.0475)),
        };
        foreach (var (name, value) in changes) fields[name] = value;
        var form = new MultipartFormDataContent();
        foreach (var (name, value) in fields) if (value is not null) form.Add(new StringContent(value), name);
        var part = new ByteArrayContent(photo);
        part.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        form.Add(part, "image", "photo.jpg");
        return form;
    }

    /// <summary>What the service itself answers to the photo (label, status), through /v1/predict.</summary>
    private static async Task<(string Label, string Status)> ServiceAnswerAsync(HttpClient client, byte[] photo)
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(photo) { Headers = { ContentType = new("image/jpeg") } }, "image", "photo.jpg" } };
        var answer = await (await client.PostAsync("/v1/predict?crop=coffee", form)).Content.ReadFromJsonAsync<JsonElement>();
        return (answer.GetProperty("label").GetString()!, answer.GetProperty("status").GetString()!);
    }

    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_phone_answer_is_stored_once_marked_beside_the_services_and_waits_for_review(string provider)
    {
        var service = await services.GetAsync(provider);
        using var phone = service.Anonymous();
        var photo = ServiceRequests.LeafJpeg(seed: Random.Shared.Next(1000, 1_000_000));
        var (serviceLabel, serviceStatus) = await ServiceAnswerAsync(phone, photo);
        var phoneLabel = Classes.First(c => c != serviceLabel); // the phone said something else: worth an officer's look
        var id = Guid.NewGuid();

        var first = await phone.PostAsync("/v1/device-answers", Form(photo, id, phoneLabel, "ok"));
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var receipt = await first.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(receipt.GetProperty("duplicate").GetBoolean());
        Assert.False(receipt.GetProperty("agreed").GetBoolean());
        Assert.Equal((phoneLabel, "ok"), (receipt.GetProperty("device").GetProperty("label").GetString(), receipt.GetProperty("device").GetProperty("status").GetString()));
        Assert.Equal((serviceLabel, serviceStatus), (receipt.GetProperty("service").GetProperty("label").GetString(), receipt.GetProperty("service").GetProperty("status").GetString()));

        // The phone never heard the answer and sends it again: the same receipt, nothing new stored.
        var again = await phone.PostAsync("/v1/device-answers", Form(photo, id, phoneLabel, "ok"));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var second = await again.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(second.GetProperty("duplicate").GetBoolean());
        Assert.Equal(receipt.GetProperty("id").GetGuid(), second.GetProperty("id").GetGuid());

        await using (var scope = service.Factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<FieldStoreContext>();
            var stored = Assert.Single(await db.Observations.AsNoTracking().Where(o => o.ClientId == id).ToListAsync());
            Assert.True(stored.AnsweredOnDevice);
            Assert.Equal((ServiceFactory.NewestCoffeeVersion, phoneLabel, 0.81, "2", "ok"),
                (stored.DeviceModelVersion!.Value, stored.DeviceLabel, stored.DeviceConfidence!.Value, stored.DeviceSeverity, stored.DeviceStatus));
            Assert.Equal(0.81, JsonSerializer.Deserialize<Dictionary<string, double>>(stored.DeviceProbabilities!)![phoneLabel]);
            Assert.Equal((serviceLabel, serviceStatus, ServiceFactory.NewestCoffeeVersion), (stored.ModelLabel, stored.ModelStatus, stored.ModelVersion!.Value));
            Assert.Null(stored.FarmerVerdict); // the farmer said nothing yet: the phone answered
            Assert.NotNull(stored.PhotoSha256);
        }

        using var officer = await service.NewOfficerAsync($"team-{Guid.NewGuid():N}"[..12]);
        var queue = await officer.GetFromJsonAsync<JsonElement>("/v1/review?crop=coffee&limit=200");
        var item = queue.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("observation").GetProperty("id").GetGuid() == receipt.GetProperty("id").GetGuid());
        Assert.Equal((phoneLabel, "ok"), (item.GetProperty("onDevice").GetProperty("label").GetString(), item.GetProperty("onDevice").GetProperty("status").GetString()));
        Assert.Equal(serviceLabel, item.GetProperty("observation").GetProperty("model").GetProperty("label").GetString());
        Assert.Contains("phone and service disagree", item.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));
    }

    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Two_uploads_of_one_answer_at_the_same_moment_store_it_once_and_an_agreeing_answer_is_not_ranked_for_it(string provider)
    {
        var service = await services.GetAsync(provider);
        using var phone = service.Anonymous();
        var photo = ServiceRequests.LeafJpeg(seed: Random.Shared.Next(1000, 1_000_000));
        var (label, status) = await ServiceAnswerAsync(phone, photo);
        var id = Guid.NewGuid();
        var responses = await Task.WhenAll(phone.PostAsync("/v1/device-answers", Form(photo, id, label, status)),
            phone.PostAsync("/v1/device-answers", Form(photo, id, label, status)));
        Assert.All(responses, r => Assert.True(r.IsSuccessStatusCode, r.StatusCode.ToString()));
        var receipts = await Task.WhenAll(responses.Select(r => r.Content.ReadFromJsonAsync<JsonElement>()));
        Assert.Single(receipts.Select(r => r.GetProperty("id").GetGuid()).Distinct());
        Assert.True(receipts[0].GetProperty("agreed").GetBoolean());
        await using (var scope = service.Factory.Services.CreateAsyncScope())
            Assert.Equal(1, await scope.ServiceProvider.GetRequiredService<FieldStoreContext>().Observations.CountAsync(o => o.ClientId == id));

        using var officer = await service.NewOfficerAsync($"team-{Guid.NewGuid():N}"[..12]);
        var queue = await officer.GetFromJsonAsync<JsonElement>("/v1/review?crop=coffee&limit=200");
        var item = queue.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("observation").GetProperty("id").GetGuid() == receipts[0].GetProperty("id").GetGuid());
        Assert.DoesNotContain("phone and service disagree", item.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));
    }

    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_bad_answer_is_refused_field_by_field_and_nothing_is_stored(string provider)
    {
        var service = await services.GetAsync(provider);
        using var phone = service.Anonymous();
        var photo = ServiceRequests.LeafJpeg(seed: 3);
        (string Field, string? Value)[] bad =
        [
            ("id", null), ("id", "not-a-uuid"), ("label", "banana"), ("status", "sure"), ("confidence", "1.5"), ("modelVersion", "99"),
            ("severity", "9"), ("probabilities", "{\"banana\": 0.5}"), ("probabilities", "{\"rust\": 2}"), ("probabilities", "[1, 2]"),
        ];
        foreach (var (field, value) in bad)
        {
            var id = Guid.NewGuid();
            var problem = await ServiceRequests.Problem(await phone.PostAsync("/v1/device-answers", Form(photo, id, "rust", "ok", (field, value))), HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{field}={value}: {problem}");
            await using var scope = service.Factory.Services.CreateAsyncScope();
            Assert.Equal(0, await scope.ServiceProvider.GetRequiredService<FieldStoreContext>().Observations.CountAsync(o => o.ClientId == id));
        }
    }

    [Fact]
    public async Task The_form_is_described_in_the_openapi_document()
    {
        var service = await services.GetAsync(CropVision.FieldStore.FieldStoreOptions.Sqlite);
        using var client = service.Anonymous();
        var post = (await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json")).GetProperty("paths").GetProperty("/v1/device-answers").GetProperty("post");
        Assert.Contains("phone", post.GetProperty("summary").GetString(), StringComparison.Ordinal);
        Assert.Contains("'id'", post.GetProperty("description").GetString(), StringComparison.Ordinal);
        foreach (var status in new[] { "200", "201", "400", "413", "415", "429", "503" })
            Assert.True(post.GetProperty("responses").TryGetProperty(status, out _), status);
    }
}
