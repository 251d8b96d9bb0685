using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CropVision.Tests.Support;
using static CropVision.Tests.Support.ServiceRequests;

namespace CropVision.Tests.Api;

/// <summary>POST /v1/predict/combined: several leaves of one plant, one diagnosis, each leaf's own result underneath.</summary>
[Trait("Category", "Fast")]
public class CombinedPredictionTests(CommittedModelService service) : IClassFixture<CommittedModelService>
{
    private readonly HttpClient _client = service.CreateClient();
    private static string Bracol(string cls, string file) => Path.Combine(SharedData.Bracol, cls, file);

    private async Task<JsonElement> PostAsync(params (byte[] Bytes, string Name)[] images)
    {
        var response = await _client.PostAsync("/v1/predict/combined?crop=coffee", Form(images));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [BracolFact]
    public async Task Three_rust_leaves_and_a_flower_give_rust_and_the_flower_is_left_out()
    {
        var flower = Path.Combine(SharedData.Bracol, "..", "not-leaf", "rose-01551791bc.jpg");
        var body = await PostAsync(
            (File.ReadAllBytes(Bracol("rust", "99.jpg")), "a.jpg"), (File.ReadAllBytes(Bracol("rust", "100.jpg")), "b.jpg"),
            (File.ReadAllBytes(flower), "flower.jpg"), (File.ReadAllBytes(Bracol("rust", "104.jpg")), "c.jpg"));
        var combined = body.GetProperty("combined");
        Assert.Equal("rust", combined.GetProperty("label").GetString());
        Assert.Equal("ok", combined.GetProperty("status").GetString());
        Assert.Equal([0, 1, 3], combined.GetProperty("used").EnumerateArray().Select(e => e.GetInt32()));
        Assert.NotEmpty(combined.GetProperty("advice").GetProperty("vi").GetString()!);
        var leaves = body.GetProperty("leaves").EnumerateArray().ToList();
        Assert.Equal(4, leaves.Count);
        Assert.Equal("rejected", leaves[2].GetProperty("result").GetProperty("status").GetString());
        Assert.False(leaves[2].GetProperty("used").GetBoolean());
        // Severity: the worst of the used leaves' own grades.
        var worst = new[] { 0, 1, 3 }.Max(i => leaves[i].GetProperty("result").GetProperty("severity").GetProperty("grade").GetString());
        Assert.Equal(worst, combined.GetProperty("severity").GetProperty("grade").GetString());
    }

    [Fact]
    public async Task Photos_of_different_sizes_and_an_unreadable_part_combine_the_rest()
    {
        var body = await PostAsync((LeafJpeg(3), "a.jpg"), ("not an image"u8.ToArray(), "b.txt"),
            (TestImages.Leaf(5, new SkiaSharp.SKColor(200, 110, 30), 10, width: 300, height: 500), "c.jpg"));
        var leaves = body.GetProperty("leaves").EnumerateArray().ToList();
        Assert.Equal(415, leaves[1].GetProperty("error").GetProperty("status").GetInt32());
        Assert.False(leaves[1].GetProperty("used").GetBoolean());
        var combined = body.GetProperty("combined");
        Assert.Contains(combined.GetProperty("status").GetString(), new[] { "ok", "uncertain", "rejected" });
        var used = combined.GetProperty("used").EnumerateArray().Select(e => e.GetInt32()).ToList();
        Assert.DoesNotContain(1, used);
        Assert.NotEmpty(used);
        Assert.InRange(combined.GetProperty("predictions").EnumerateArray().Sum(p => p.GetProperty("probability").GetDouble()), 0.3, 1.0001);
    }

    [Fact]
    public async Task No_readable_leaf_is_the_first_leafs_problem_and_the_limit_is_the_batch_limit()
    {
        var response = await _client.PostAsync("/v1/predict/combined?crop=coffee", Form(("nope"u8.ToArray(), "a.txt"), ("no"u8.ToArray(), "b.txt")));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        var tooMany = await _client.PostAsync("/v1/predict/combined?crop=coffee",
            Form([.. Enumerable.Range(0, 17).Select(i => (LeafJpeg(i), $"{i}.jpg"))]));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooMany.StatusCode);
    }

    [Fact]
    public async Task The_combined_form_is_in_the_openapi_document()
    {
        var doc = await _client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        Assert.True(doc.GetProperty("paths").TryGetProperty("/v1/predict/combined", out var path));
        Assert.Contains("log-probabilities", path.GetProperty("post").GetProperty("description").GetString());
    }
}
