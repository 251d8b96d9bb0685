using System.Net;
using System.Net.Http.Headers;
using CropVision.FieldStore.Model;
using CropVision.Tests.Support;

namespace CropVision.Tests.Api;

/// <summary>The service (with its own empty field store, as every ServiceFactory has) shared by the feedback tests.</summary>
public sealed class FeedbackService() : ServiceFactory(Settings(1000))
{
    public static Dictionary<string, string?> Settings(int permitLimit)
    {
        var settings = Defaults(CommittedModels);
        settings["Feedback:PermitLimit"] = permitLimit.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return settings;
    }
}

/// <summary>POST /v1/feedback: every field checked against the crop's model, the photo as predict checks it, a rate limit.</summary>
[Trait("Category", "Fast")]
public class FeedbackTests(FeedbackService service) : IClassFixture<FeedbackService>
{
    private readonly HttpClient _client = service.CreateClient();

    /// <summary>A valid verdict ("wrong, it is phoma" on a rust answer) with one field changed or removed (null).</summary>
    public static MultipartFormDataContent Form(byte[]? photo = null, params (string Name, string? Value)[] changes)
    {
        var fields = new Dictionary<string, string?>
        {
            ["crop"] = "coffee", ["modelVersion"] = "1", ["label"] = "rust", ["confidence"] = "0.87", ["severity"] = "1",
            ["status"] = "ok", ["verdict"] = "wrong", ["farmerLabel"] = "phoma",
        };
        foreach (var (name, value) in changes) fields[name] = value;
        var form = new MultipartFormDataContent();
        foreach (var (name, value) in fields) if (value is not null) form.Add(new StringContent(value), name);
        var part = new ByteArrayContent(photo ?? ServiceRequests.LeafJpeg());
        part.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        form.Add(part, "image", "photo.jpg");
        return form;
    }

    private async Task<System.Text.Json.JsonElement> Refused(MultipartFormDataContent form, HttpStatusCode status) =>
        await ServiceRequests.Problem(await _client.PostAsync("/v1/feedback", form), status);

    [Fact]
    public async Task A_verdict_is_stored_with_its_photo_and_the_answer_it_was_given()
    {
        var photo = ServiceRequests.LeafJpeg(seed: 7);
        var response = await _client.PostAsync("/v1/feedback", Form(photo));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var receipt = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var id = receipt.GetProperty("id").GetGuid();

        var stored = (await StoredFeedback.AllAsync(service)).Single(o => o.Id == id);
        Assert.Equal(("coffee", FarmerVerdict.Wrong, "phoma", (Guid?)null), (stored.Crop, stored.FarmerVerdict, stored.FarmerLabel, stored.SurveyId));
        Assert.Equal((1, "rust", 0.87, "1", "ok"), (stored.ModelVersion!.Value, stored.ModelLabel, stored.ModelConfidence!.Value, stored.ModelSeverity, stored.ModelStatus));
        // Kept as a re-encoded copy (see FeedbackPhotoTests), at the photo's size: it is smaller than the limit.
        Assert.Equal((512, 256), (stored.Photo!.Width, stored.Photo.Height));
        Assert.Equal(CropVision.Core.Preprocessing.ImageFormat.Jpeg, CropVision.Core.Preprocessing.ImageFormatSniffer.Sniff(StoredFeedback.PhotoBytes(service, stored)));
        Assert.True(receipt.GetProperty("photoStored").GetBoolean());
    }

    [Theory]
    [InlineData("right", null, "rust")]     // right: the farmer's label is the model's
    [InlineData("wrong", null, null)]       // wrong, "don't know"
    [InlineData("WRONG", "healthy", "healthy")]
    public async Task Right_and_dont_know_are_stored_as_such(string verdict, string? farmerLabel, string? storedLabel)
    {
        var response = await _client.PostAsync("/v1/feedback", Form(ServiceRequests.LeafJpeg(seed: 8), ("verdict", verdict), ("farmerLabel", farmerLabel)));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        var stored = (await StoredFeedback.AllAsync(service)).Single(o => o.Id == id);
        Assert.Equal(verdict.Equals("right", StringComparison.OrdinalIgnoreCase) ? FarmerVerdict.Right : FarmerVerdict.Wrong, stored.FarmerVerdict);
        Assert.Equal(storedLabel, stored.FarmerLabel);
    }

    [Theory]
    [InlineData("label", "leaf-spot")]            // not a coffee class
    [InlineData("label", null)]
    [InlineData("farmerLabel", "mildew")]         // not a coffee class
    [InlineData("farmerLabel", "rust")]           // "wrong" cannot name the model's own answer
    [InlineData("verdict", "maybe")]
    [InlineData("verdict", null)]
    [InlineData("status", "fine")]
    [InlineData("confidence", "1.5")]
    [InlineData("confidence", "high")]
    [InlineData("severity", "9")]
    [InlineData("modelVersion", "99")]
    [InlineData("modelVersion", "one")]
    [InlineData("crop", null)]
    public async Task A_bad_field_is_a_400_problem_naming_it(string field, string? value)
    {
        var problem = await Refused(Form(null, (field, value)), HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"no error for '{field}' in {problem}");
    }

    [Fact]
    public async Task A_right_verdict_with_a_different_label_is_refused()
    {
        var problem = await Refused(Form(null, ("verdict", "right")), HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("farmerLabel", out _));
    }

    [Fact]
    public async Task A_crop_without_a_model_is_404() =>
        await Refused(Form(null, ("crop", "rubber")), HttpStatusCode.NotFound);

    [Fact]
    public async Task The_photo_is_checked_as_predict_checks_it()
    {
        await Refused(Form("not an image at all"u8.ToArray()), HttpStatusCode.UnsupportedMediaType);
        await Refused(Form(TestImages.PngHeaderOnly(20000, 20000)), HttpStatusCode.RequestEntityTooLarge);
        await Refused(Form([]), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_form_without_a_photo_or_a_json_body_is_refused()
    {
        var noPhoto = new MultipartFormDataContent { { new StringContent("coffee"), "crop" } };
        await ServiceRequests.Problem(await _client.PostAsync("/v1/feedback", noPhoto), HttpStatusCode.BadRequest);
        var json = new StringContent("{\"crop\":\"coffee\"}", System.Text.Encoding.UTF8, "application/json");
        await ServiceRequests.Problem(await _client.PostAsync("/v1/feedback", json), HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task An_over_long_field_is_refused()
    {
        var problem = await Refused(Form(null, ("label", new string('x', 5000))), HttpStatusCode.BadRequest);
        Assert.Contains("longer than", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task One_client_is_rate_limited_with_retry_after()
    {
        await using var limited = new ServiceFactory(FeedbackService.Settings(permitLimit: 3));
        var client = limited.CreateClient();
        for (int i = 0; i < 3; i++)
            Assert.NotEqual(HttpStatusCode.TooManyRequests, (await client.PostAsync("/v1/feedback", Form(null, ("verdict", "maybe")))).StatusCode);
        var refused = await client.PostAsync("/v1/feedback", Form());
        await ServiceRequests.Problem(refused, HttpStatusCode.TooManyRequests);
        Assert.True(int.Parse(refused.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
        // Other endpoints are not limited by it.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/models")).StatusCode);
    }
}
