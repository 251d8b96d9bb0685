using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using CropVision.Core.Preprocessing;
using CropVision.Tests.Support;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using SkiaSharp;

namespace CropVision.Tests.Api;

/// <summary>A service whose decode gate lets two decodes run at once, with no feedback rate limit in the way.</summary>
public sealed class TwoDecodeService() : ServiceFactory(Settings())
{
    private static Dictionary<string, string?> Settings()
    {
        var settings = FeedbackService.Settings(permitLimit: 1000);
        settings["Limits:MaxConcurrentDecodes"] = "2";
        return settings;
    }
}

/// <summary>
/// Issue 19's anonymous upload attacks, replayed: huge PNGs sent at once, a padded JPEG, malformed content types.
/// (Photo metadata and the daily quota: <see cref="FeedbackPhotoTests"/>.)
/// </summary>
[Trait("Category", "Fast")]
public class UploadBudgetTests(TwoDecodeService service) : IClassFixture<TwoDecodeService>
{
    private readonly HttpClient _client = service.CreateClient();

    [Fact]
    public async Task Concurrent_feedback_of_huge_pngs_never_decodes_more_than_the_gate_allows()
    {
        // 49M pixels: under Limits:MaxPixelsPerImage (50M), ~196 MB each once decoded, ~143 KB on the wire.
        var png = TestImages.UniformPng(7000, 7000);
        var gate = service.Services.GetRequiredService<DecodeGate>();
        // The test holds both slots first: nothing may decode (nor answer) until it lets go.
        var held = new[] { await gate.EnterAsync(default), await gate.EnterAsync(default) };
        gate.ResetPeak();
        var feedback = Enumerable.Range(0, 6).Select(_ => _client.PostAsync("/v1/feedback", FeedbackTests.Form(png, ("verdict", "right"), ("farmerLabel", null)))).ToList();
        var predictions = Enumerable.Range(0, 2).Select(_ => _client.PostAsync("/v1/predict?crop=coffee", ServiceRequests.Form((png, "huge.png")))).ToList();
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.DoesNotContain([.. feedback, .. predictions], r => r.IsCompleted);
        foreach (var slot in held) slot.Dispose();
        var responses = await Task.WhenAll([.. feedback, .. predictions]);

        Assert.All(responses[..6], r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        Assert.All(responses[6..], r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        // Feedback (re-encoding, thumbnails) and predictions wait for the same two slots.
        Assert.InRange(gate.Peak, 1, 2);
        Assert.Equal(0, gate.InUse);
    }

    [Fact]
    public async Task A_padded_feedback_jpeg_is_stored_re_encoded_and_small()
    {
        var photo = TestImages.Encode(TestImages.Paint(400, 300, (x, y) => TestImages.Quadrants(x, y, 400, 300)), SKEncodedImageFormat.Jpeg, 95);
        using (var big = SKBitmap.Decode(photo).Resize(new SKImageInfo(4000, 3000), new SKSamplingOptions(SKFilterMode.Linear)))
            photo = TestImages.Encode(big, SKEncodedImageFormat.Jpeg, 90);
        var padded = TestImages.PaddedJpeg(photo, 19_900_000);

        var response = await _client.PostAsync("/v1/feedback", FeedbackTests.Form(padded));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        var stored = (await StoredFeedback.AllAsync(service)).Single(o => o.Id == id);
        var bytes = StoredFeedback.PhotoBytes(service, stored);

        Assert.Equal((1600, 1200), (stored.Photo!.Width, stored.Photo.Height)); // longest side Feedback:MaxPhotoSide
        Assert.True(bytes.Length < 1_000_000, $"{bytes.Length:N0} bytes stored for a {padded.Length:N0}-byte upload");
        Assert.Equal(bytes.Length, stored.Photo.Length);
        Assert.Equal(PhotoSha(bytes), stored.PhotoSha256); // addressed by the bytes kept, not the bytes sent
        Assert.False(ContainsMarker(bytes, 0xFE), "a comment segment survived");
    }

    [Fact]
    public async Task A_malformed_content_type_is_a_400_problem_on_every_upload_endpoint()
    {
        // Every endpoint that takes a body, found from the routes so that a new one cannot be missed.
        var endpoints = service.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => (Method: m, Path: Fill(e.RoutePattern.RawText!))))
            .Where(e => e.Method is "POST" or "PUT" or "PATCH").Distinct().ToList();
        Assert.Contains(endpoints, e => e.Path == "/v1/feedback" || e.Path == "/v1/feedback/");
        Assert.True(endpoints.Count >= 10, string.Join(", ", endpoints));

        foreach (var (method, path) in endpoints)
            foreach (var contentType in new[] { "multipart/form-data; boundary=\"unterminated", "application/json; charset=\"utf-8", "image/jpeg;;=" })
            {
                var body = new ByteArrayContent(ServiceRequests.LeafJpeg());
                body.Headers.TryAddWithoutValidation("Content-Type", contentType);
                var response = await _client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = body });
                Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{method} {path} with '{contentType}': {(int)response.StatusCode}");
                await ServiceRequests.Problem(response, HttpStatusCode.BadRequest);
            }
    }

    [Fact]
    public async Task A_multipart_boundary_beyond_the_rfc_limit_is_a_400_problem()
    {
        foreach (var path in new[] { "/v1/predict?crop=coffee", "/v1/feedback" })
        {
            var body = new ByteArrayContent(ServiceRequests.LeafJpeg());
            body.Headers.TryAddWithoutValidation("Content-Type", $"multipart/form-data; boundary={new string('b', 5000)}");
            await ServiceRequests.Problem(await _client.PostAsync(path, body), HttpStatusCode.BadRequest);
        }
    }

    private static string Fill(string pattern) => System.Text.RegularExpressions.Regex.Replace(pattern, @"\{([^}:]+)(:[^}]*)?\}", m => m.Groups[1].Value switch
    {
        "name" or "crop" => "coffee",
        "version" => "1",
        "userName" => "somebody",
        _ => Guid.NewGuid().ToString(),
    });

    internal static string PhotoSha(byte[] bytes) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));

    /// <summary>Whether the JPEG has a segment with this marker before its image data starts.</summary>
    internal static bool ContainsMarker(byte[] jpeg, byte marker)
    {
        for (int i = 2; i + 4 <= jpeg.Length && jpeg[i] == 0xFF;)
        {
            if (jpeg[i + 1] == marker) return true;
            if (jpeg[i + 1] == 0xDA) return false; // start of scan: only entropy-coded data follows
            i += 2 + ((jpeg[i + 2] << 8) | jpeg[i + 3]);
        }
        return false;
    }
}
