using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CropVision.Tests.Support;
using SkiaSharp;
using static CropVision.Tests.Support.ServiceRequests;

namespace CropVision.Tests.Api;

/// <summary>The HTTP API over the committed coffee model, through WebApplicationFactory.</summary>
[Trait("Category", "Fast")]
public class ServiceTests(CommittedModelService service) : IClassFixture<CommittedModelService>
{
    private readonly HttpClient _client = service.CreateClient();
    /// <summary>The committed coffee versions; the service serves the newest.</summary>
    private static int Newest => ServiceFactory.NewestCoffeeVersion;
    private static string NewestFolder => Path.Combine(ServiceFactory.CommittedModels, "coffee", Newest.ToString(System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public async Task Predict_answers_with_labels_in_english_and_vietnamese_and_timings()
    {
        var response = await _client.PostAsync("/v1/predict?crop=coffee", Form((LeafJpeg(), "leaf.jpg")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("coffee", body.GetProperty("crop").GetString());
        Assert.Equal(Newest, body.GetProperty("model").GetProperty("version").GetInt32());
        Assert.Contains(body.GetProperty("status").GetString(), new[] { "ok", "uncertain", "rejected" });
        var predictions = body.GetProperty("predictions").EnumerateArray().ToList();
        Assert.Equal(3, predictions.Count);
        Assert.Equal(body.GetProperty("label").GetString(), predictions[0].GetProperty("label").GetString());
        Assert.True(predictions[0].GetProperty("probability").GetDouble() >= predictions[1].GetProperty("probability").GetDouble());
        Assert.All(predictions, p => { Assert.NotEmpty(p.GetProperty("en").GetString()!); Assert.NotEmpty(p.GetProperty("vi").GetString()!); });
        Assert.NotEmpty(body.GetProperty("advice").GetProperty("vi").GetString()!);
        Assert.InRange(body.GetProperty("severity").GetProperty("grade").GetString()!, "0", "4");
        var timings = body.GetProperty("timings");
        Assert.True(timings.GetProperty("inferenceMs").GetDouble() > 0);
        Assert.True(timings.GetProperty("decodeMs").GetDouble() > 0);
    }

    [Fact]
    public async Task Predict_accepts_a_raw_image_body()
    {
        var content = new ByteArrayContent(LeafJpeg(2));
        content.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        var response = await _client.PostAsync("/v1/predict?crop=coffee", content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Format_is_sniffed_from_bytes_not_from_the_declared_type()
    {
        using var bmp = TestImages.Paint(512, 256, (x, y) => new SKColor(40, (byte)(120 + y % 50), 40));
        var png = TestImages.Encode(bmp, SKEncodedImageFormat.Png);
        var content = new ByteArrayContent(png);
        content.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg"); // wrong on purpose
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync("/v1/predict?crop=coffee", content)).StatusCode);
    }

    [BracolFact]
    public async Task A_val_photo_gets_the_right_answer()
    {
        var ds = CropVision.Learning.Data.LabelledDataset.Load(SharedData.Bracol);
        var leaf = ds.In(CropVision.Learning.Data.Split.Val).First(i => i.Class == "rust");
        var body = await (await _client.PostAsync("/v1/predict?crop=coffee", Form((File.ReadAllBytes(leaf.FullPath(ds.Root)), "leaf.jpg")))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("rust", body.GetProperty("label").GetString());
        Assert.Equal("Bệnh gỉ sắt", body.GetProperty("predictions")[0].GetProperty("vi").GetString());
        Assert.Equal("ok", body.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Batch_keeps_order_and_a_bad_image_fails_alone()
    {
        var response = await _client.PostAsync("/v1/predict/batch?crop=coffee",
            Form((LeafJpeg(3), "a.jpg"), ("not an image"u8.ToArray(), "b.txt"), (LeafJpeg(4), "c.jpg")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var results = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(["a.jpg", "b.txt", "c.jpg"], results.Select(r => r.GetProperty("fileName").GetString()));
        Assert.Equal([0, 1, 2], results.Select(r => r.GetProperty("index").GetInt32()));
        Assert.Equal(JsonValueKind.Object, results[0].GetProperty("result").ValueKind);
        Assert.Equal(415, results[1].GetProperty("error").GetProperty("status").GetInt32());
        Assert.Equal(JsonValueKind.Null, results[1].GetProperty("result").ValueKind);
        Assert.Equal(JsonValueKind.Object, results[2].GetProperty("result").ValueKind);
    }

    [Theory]
    [InlineData("rubber")]
    [InlineData("ginseng")]
    [InlineData("banana")]
    public async Task A_crop_without_a_model_is_404_naming_the_crops_that_have_one(string crop)
    {
        var body = await Problem(await _client.PostAsync($"/v1/predict?crop={crop}", Form((LeafJpeg(), "leaf.jpg"))), HttpStatusCode.NotFound);
        Assert.Equal(["coffee"], body.GetProperty("cropsWithModel").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains(crop, body.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Bad_inputs_get_problems_never_500()
    {
        var truncated = LeafJpeg(5)[..600];
        var cases = new (HttpContent Content, HttpStatusCode Status)[]
        {
            (Form((Array.Empty<byte>(), "empty.jpg")), HttpStatusCode.BadRequest),
            (Form(("GIF89a not really"u8.ToArray(), "x.gif")), HttpStatusCode.UnsupportedMediaType),
            (Form((truncated, "cut.jpg")), HttpStatusCode.BadRequest),
            (Form((TestImages.PngHeaderOnly(20000, 20000), "bomb.png")), HttpStatusCode.RequestEntityTooLarge),
            (new StringContent("hello", System.Text.Encoding.UTF8, "text/plain"), HttpStatusCode.UnsupportedMediaType),
            (new ByteArrayContent([]), HttpStatusCode.BadRequest),
            (Form((LeafJpeg(), "a.jpg"), (LeafJpeg(), "b.jpg")), HttpStatusCode.RequestEntityTooLarge), // one image per /v1/predict
        };
        for (int i = 0; i < cases.Length; i++)
        {
            var response = await _client.PostAsync("/v1/predict?crop=coffee", cases[i].Content);
            Assert.True(cases[i].Status == response.StatusCode, $"case {i}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            await Problem(response, cases[i].Status);
        }
        await Problem(await _client.PostAsync("/v1/predict", Form((LeafJpeg(), "a.jpg"))), HttpStatusCode.BadRequest); // no crop
    }

    [Fact]
    public async Task Something_that_is_not_a_leaf_is_rejected()
    {
        var rng = new Random(3);
        using var noise = TestImages.Paint(512, 256, (_, _) => new SKColor((byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256)));
        using var sky = TestImages.Paint(512, 256, (_, y) => new SKColor(90, (byte)(140 + y / 4), 230));
        foreach (var image in new[] { noise, sky })
        {
            var body = await (await _client.PostAsync("/v1/predict?crop=coffee", Form((TestImages.Encode(image, SKEncodedImageFormat.Jpeg, 90), "x.jpg")))).Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("rejected", body.GetProperty("status").GetString());
            Assert.Contains("không giống lá", body.GetProperty("advice").GetProperty("vi").GetString());
        }
    }

    [Fact]
    public async Task A_close_up_is_framed_as_one_and_gets_no_leaf_wide_severity_where_the_model_did_not_learn_it()
    {
        var manifest = CropVision.Core.Models.ModelManifest.Read(NewestFolder);
        var closeUp = TestImages.CloseUp(3, new SKColor(240, 150, 20), 4, 200, 190);
        var body = await (await _client.PostAsync("/v1/predict?crop=coffee", Form((closeUp, "close.jpg")))).Content.ReadFromJsonAsync<JsonElement>();
        bool shapeFollowing = manifest.Preprocessing.CloseUpBelowAspect is not null;
        Assert.Equal(shapeFollowing ? "close-up" : "wide", body.GetProperty("framing").GetString());
        var severity = manifest.Tasks.First(t => t.Output == "severity");
        Assert.Equal(severity.AppliesTo(CropVision.Core.Preprocessing.Framing.CloseUp) || !shapeFollowing, body.GetProperty("severity").ValueKind != JsonValueKind.Null);

        var wide = await (await _client.PostAsync("/v1/predict?crop=coffee", Form((LeafJpeg(2), "leaf.jpg")))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("wide", wide.GetProperty("framing").GetString());
        Assert.NotEqual(JsonValueKind.Null, wide.GetProperty("severity").ValueKind);
    }

    [Fact]
    public async Task Models_list_shows_versions_metrics_provider_and_crops_without_a_model()
    {
        var body = await _client.GetFromJsonAsync<JsonElement>("/v1/models");
        var provider = body.GetProperty("executionProvider");
        Assert.Equal("CPU", provider.GetProperty("name").GetString()); // no GPU on this machine
        Assert.Equal("auto", provider.GetProperty("requested").GetString());
        Assert.Contains("CUDA", provider.GetProperty("fallbackReason").GetString());
        var batching = body.GetProperty("batching");
        Assert.Equal(4, batching.GetProperty("maxBatchSize").GetInt32());              // CPU default
        Assert.Equal(0, batching.GetProperty("maxQueueDelayMicroseconds").GetDouble());
        var crops = body.GetProperty("crops").EnumerateArray().ToDictionary(c => c.GetProperty("crop").GetString()!);
        Assert.Equal("serving", crops["coffee"].GetProperty("status").GetString());
        Assert.Equal(Newest, crops["coffee"].GetProperty("servingVersion").GetInt32());
        Assert.True(crops["coffee"].GetProperty("metrics").GetProperty("val").GetProperty("accuracy").GetDouble() > 0.5);
        Assert.Equal("no model deployed", crops["rubber"].GetProperty("status").GetString());
        Assert.Equal("no model deployed", crops["ginseng"].GetProperty("status").GetString());
        Assert.Equal("Sâm Ngọc Linh", crops["ginseng"].GetProperty("nameVi").GetString());

        var coffee = await _client.GetFromJsonAsync<JsonElement>("/v1/models/coffee");
        Assert.Equal(5, coffee.GetProperty("tasks")[0].GetProperty("classes").GetArrayLength());
        // The model card as the farmer page reads it: trainedOn {en, vi} from the serving model's manifest (null for models without one).
        var card = CropVision.Core.Models.ModelManifest.Read(NewestFolder).TrainedOn;
        CropVision.Core.Models.InferenceSpec? ModelManifestInference() => CropVision.Core.Models.ModelManifest.Read(NewestFolder).Inference;
        var trainedOn = coffee.GetProperty("trainedOn");
        if (card is null) Assert.Equal(JsonValueKind.Null, trainedOn.ValueKind);
        else
        {
            Assert.Equal(card.En, trainedOn.GetProperty("en").GetString());
            Assert.Equal(card.Vi, trainedOn.GetProperty("vi").GetString());
            Assert.Equal(card.Vi, crops["coffee"].GetProperty("trainedOn").GetProperty("vi").GetString());
        }
        Assert.Equal(JsonValueKind.Null, crops["rubber"].GetProperty("trainedOn").ValueKind);
        // How the serving version runs, from its manifest's inference section.
        var inference = ModelManifestInference();
        var served = coffee.GetProperty("inference");
        Assert.Equal(inference?.Int8Calibration is null ? "fp32" : "int8", served.GetProperty("backbone").GetString());
        if (inference?.EarlyExit is { } exit) Assert.Equal(exit.ConfidentAbove, served.GetProperty("earlyExitBelow").GetDouble());
        else Assert.Equal(JsonValueKind.Null, served.GetProperty("earlyExitBelow").ValueKind);
        await Problem(await _client.GetAsync("/v1/models/rubber"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Reload_needs_the_admin_key()
    {
        await Problem(await _client.PostAsync("/v1/models/coffee/reload", null), HttpStatusCode.Unauthorized);
        var wrong = new HttpRequestMessage(HttpMethod.Post, "/v1/models/coffee/reload") { Headers = { { "X-Api-Key", "nope" } } };
        await Problem(await _client.SendAsync(wrong), HttpStatusCode.Forbidden);
        var right = new HttpRequestMessage(HttpMethod.Post, "/v1/models/coffee/reload") { Headers = { { "X-Api-Key", ServiceFactory.AdminKey } } };
        var response = await _client.SendAsync(right);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Newest, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task Open_inference_protocol_v2_health_metadata_and_infer()
    {
        Assert.True((await _client.GetFromJsonAsync<JsonElement>("/v2/health/live")).GetProperty("live").GetBoolean());
        var ready = await _client.GetFromJsonAsync<JsonElement>("/v2/health/ready");
        Assert.True(ready.GetProperty("ready").GetBoolean());
        Assert.Equal("CPU", ready.GetProperty("execution_provider").GetString());

        var meta = await _client.GetFromJsonAsync<JsonElement>("/v2/models/coffee");
        Assert.Equal("coffee", meta.GetProperty("name").GetString());
        Assert.Equal([Newest.ToString(System.Globalization.CultureInfo.InvariantCulture)], meta.GetProperty("versions").EnumerateArray().Select(v => v.GetString())); // the serving version
        var input = meta.GetProperty("inputs")[0];
        Assert.Equal("image", input.GetProperty("name").GetString());
        Assert.Equal("FP32", input.GetProperty("datatype").GetString());
        var shape = input.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        Assert.Equal(-1, shape[0]);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/v2/models/coffee/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync($"/v2/models/coffee/versions/{Newest}")).StatusCode);
        var missing = await Problem(await _client.GetAsync("/v2/models/coffee/versions/9"), HttpStatusCode.NotFound);
        Assert.True(missing.TryGetProperty("error", out _));

        // A real tensor, made by the shared preprocessing, as a Triton client would send it.
        var manifest = CropVision.Core.Models.ModelManifest.Read(NewestFolder);
        var tensor = CropVision.Core.Preprocessing.ImagePreprocessor.Preprocess(LeafJpeg(6), manifest.Preprocessing);
        var request = new { id = "req-1", inputs = new[] { new { name = "image", shape = new long[] { 1, shape[1], 3, 224, 224 }, datatype = "FP32", data = tensor } }, outputs = new[] { new { name = "stress" }, new { name = "ood_distance" } } };
        var response = await _client.PostAsJsonAsync("/v2/models/coffee/infer", request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("coffee", body.GetProperty("model_name").GetString());
        Assert.Equal(Newest.ToString(System.Globalization.CultureInfo.InvariantCulture), body.GetProperty("model_version").GetString());
        Assert.Equal("req-1", body.GetProperty("id").GetString());
        var outputs = body.GetProperty("outputs").EnumerateArray().ToList();
        Assert.Equal(["stress", "ood_distance"], outputs.Select(o => o.GetProperty("name").GetString()));
        Assert.Equal([1L, 5L], outputs[0].GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(1.0, outputs[0].GetProperty("data").EnumerateArray().Sum(e => e.GetDouble()), 3);

        var bad = new { inputs = new[] { new { name = "image", shape = new long[] { 1, 3, 224, 224 }, datatype = "FP32", data = new float[3] } } };
        var problem = await Problem(await _client.PostAsJsonAsync("/v2/models/coffee/infer", bad), HttpStatusCode.BadRequest);
        Assert.Contains("shape", problem.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Metrics_separate_queue_and_compute_and_show_the_provider()
    {
        await _client.PostAsync("/v1/predict?crop=coffee", Form((LeafJpeg(7), "leaf.jpg")));
        var text = await _client.GetStringAsync("/metrics");
        Assert.Contains("cropvision_execution_provider{provider=\"CPU\",requested=\"auto\"", text);
        foreach (var metric in new[] { "cropvision_queue_seconds_bucket", "cropvision_inference_seconds_bucket", "cropvision_batch_size_bucket", "cropvision_queue_depth", "cropvision_decode_seconds_bucket", $"cropvision_model_info{{crop=\"coffee\",version=\"{Newest}\"}}" })
            Assert.Contains(metric, text);
        Assert.Contains("http_requests_received_total{code=\"200\",method=\"POST\"", text);
        Assert.Contains("endpoint=\"/v1/predict/\"", text);
        Assert.Contains("http_request_duration_seconds_bucket", text);
    }

    [Fact]
    public async Task OpenApi_document_lists_every_endpoint()
    {
        var doc = await _client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = doc.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        foreach (var path in new[] { "/v1/predict", "/v1/predict/batch", "/v1/models", "/v1/models/{crop}", "/v1/models/{crop}/reload", "/v2/health/ready", "/v2/models/{name}/infer" })
            Assert.Contains(path, paths);
        Assert.True(doc.GetProperty("paths").GetProperty("/v1/predict").GetProperty("post").GetProperty("responses").TryGetProperty("415", out _));
    }
}
