using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CropVision.Tests.Support;
using static CropVision.Tests.Support.ServiceRequests;

namespace CropVision.Tests.Api.Surveys;

/// <summary>Zip imports through HTTP: background job, progress, duplicates, bad files listed, zip safety.</summary>
[Trait("Category", "Postgres")]
public sealed class ImportTests(OfficerServices services) : IClassFixture<OfficerServices>
{
    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_zip_imports_in_the_background_lists_bad_files_and_is_idempotent(string provider)
    {
        var service = await services.GetAsync(provider);
        using var officer = await service.NewOfficerAsync("north");
        var id = (await SurveyRequests.CreateSurveyAsync(officer)).GetProperty("id").GetString();
        var a = ExifWriter.WithExif(LeafJpeg(21), new DateTime(2026, 11, 18, 8, 0, 0), 14.66, 107.91);
        var zip = SurveyRequests.Zip(
            ("field/", []),
            ("field/IMG_1.jpg", a),
            ("field/IMG_2.jpg", LeafJpeg(22)),
            ("field/IMG_3.png", StorePhotos.Jpeg(23) is var j ? TestImages.Encode(SkiaSharp.SKBitmap.Decode(j), SkiaSharp.SKEncodedImageFormat.Png) : []),
            ("field/copy-of-IMG_1.jpg", a),
            ("field/notes.txt", "đi thực địa"u8.ToArray()),
            ("../../etc/evil.jpg", LeafJpeg(24)),
            ("field/cut.jpg", LeafJpeg(25)[..500]),
            ("__MACOSX/field/._IMG_1.jpg", [0, 5, 22, 7]));

        var started = await officer.PostAsync($"/v1/surveys/{id}/imports", SurveyRequests.ZipBody(zip));
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var jobUrl = started.Headers.Location!.ToString();
        var job = await SurveyRequests.WaitForJobAsync(officer, jobUrl, TimeSpan.FromMinutes(2));

        Assert.Equal("completed", job.GetProperty("state").GetString());
        Assert.Equal((9, 9, 1.0), (job.GetProperty("totalEntries").GetInt32(), job.GetProperty("processedEntries").GetInt32(), job.GetProperty("progress").GetDouble()));
        Assert.Equal((3, 1, 3), (job.GetProperty("added").GetInt32(), job.GetProperty("duplicates").GetInt32(), job.GetProperty("failed").GetInt32()));
        var problems = job.GetProperty("problems").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!, p => p.GetProperty("reason").GetString()!);
        Assert.Equal(["../../etc/evil.jpg", "field/cut.jpg", "field/notes.txt"], problems.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("Unsafe", problems["../../etc/evil.jpg"]);
        Assert.Contains("JPEG, PNG or WebP", problems["field/notes.txt"]);

        var list = await officer.GetFromJsonAsync<JsonElement>($"/v1/surveys/{id}/observations");
        Assert.Equal(3, list.GetProperty("total").GetInt32());
        var withGps = list.GetProperty("items").EnumerateArray().Single(o => o.GetProperty("originalName").GetString() == "field/IMG_1.jpg");
        Assert.Equal("exif", withGps.GetProperty("positionSource").GetString());

        // The same zip again: nothing new.
        var again = await SurveyRequests.WaitForJobAsync(officer, (await officer.PostAsync($"/v1/surveys/{id}/imports", SurveyRequests.ZipBody(zip))).Headers.Location!.ToString(), TimeSpan.FromMinutes(2));
        Assert.Equal((0, 4), (again.GetProperty("added").GetInt32(), again.GetProperty("duplicates").GetInt32()));
        Assert.Equal(3, (await officer.GetFromJsonAsync<JsonElement>($"/v1/surveys/{id}/observations")).GetProperty("total").GetInt32());
        Assert.Equal(2, (await officer.GetFromJsonAsync<JsonElement>($"/v1/surveys/{id}/imports")).GetArrayLength());
        var metrics = await service.Anonymous().GetStringAsync("/metrics");
        Assert.Contains("cropvision_survey_photos_total{path=\"import\",result=\"duplicate\"}", metrics);
        Assert.Contains("cropvision_import_jobs_total{state=\"completed\"}", metrics);
    }

    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Import_zips_left_behind_are_swept_on_start_and_go_with_a_deleted_survey(string provider)
    {
        await using var service = await OfficerService.StartAsync(provider);
        var imports = Path.Combine(service.Database.DataFolder, "imports");
        Directory.CreateDirectory(imports);
        string stale = Path.Combine(imports, $"{Guid.NewGuid():N}.zip"), young = Path.Combine(imports, $"{Guid.NewGuid():N}.zip");
        await File.WriteAllBytesAsync(stale, [1]);
        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow.AddHours(-2));
        await File.WriteAllBytesAsync(young, [1]); // may be an upload whose job is about to commit in another process

        using var officer = await service.NewOfficerAsync("north"); // starts the service, and its worker sweeps
        var id = (await SurveyRequests.CreateSurveyAsync(officer)).GetProperty("id").GetString();
        var started = await officer.PostAsync($"/v1/surveys/{id}/imports", SurveyRequests.ZipBody(SurveyRequests.Zip(
            [.. Enumerable.Range(0, 6).Select(i => ($"IMG_{i}.jpg", LeafJpeg(40 + i)))])));
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await officer.DeleteAsync($"/v1/surveys/{id}")).StatusCode);

        // Whether the job was waiting, running or done when the survey went, its zip goes too; the young orphan stays.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Directory.GetFiles(imports).Length > 1 && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.Equal([young], Directory.GetFiles(imports));
    }

    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Bad_imports_get_problems(string provider)
    {
        var service = await services.GetAsync(provider);
        using var officer = await service.NewOfficerAsync("north");
        using var other = await service.NewOfficerAsync("south");
        var id = (await SurveyRequests.CreateSurveyAsync(officer)).GetProperty("id").GetString();
        var url = $"/v1/surveys/{id}/imports";

        await Problem(await officer.PostAsync(url, SurveyRequests.ZipBody("PK but not really a zip"u8.ToArray())), HttpStatusCode.BadRequest);
        await Problem(await officer.PostAsync(url, SurveyRequests.ZipBody([])), HttpStatusCode.BadRequest);
        await Problem(await officer.PostAsync(url, new StringContent("hello", System.Text.Encoding.UTF8, "text/plain")), HttpStatusCode.UnsupportedMediaType);
        await Problem(await officer.PostAsync(url, SurveyRequests.ZipBody(SurveyRequests.Zip(("empty/", [])))), HttpStatusCode.UnprocessableEntity);
        await Problem(await other.PostAsync(url, SurveyRequests.ZipBody(SurveyRequests.Zip(("a.jpg", LeafJpeg(1))))), HttpStatusCode.NotFound);
        await Problem(await officer.GetAsync($"/v1/jobs/{Guid.NewGuid()}"), HttpStatusCode.NotFound);

        // Multipart works too; another team cannot read the job.
        var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(SurveyRequests.Zip(("a.jpg", LeafJpeg(31))));
        form.Add(part, "archive", "day1.zip");
        var started = await officer.PostAsync(url, form);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        Assert.Equal("day1.zip", (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("archiveName").GetString());
        await Problem(await other.GetAsync(started.Headers.Location!.ToString()), HttpStatusCode.NotFound);
        await SurveyRequests.WaitForJobAsync(officer, started.Headers.Location!.ToString(), TimeSpan.FromMinutes(1));

        Assert.Equal(HttpStatusCode.OK, (await officer.PostAsync($"/v1/surveys/{id}/close", null)).StatusCode);
        await Problem(await officer.PostAsync(url, SurveyRequests.ZipBody(SurveyRequests.Zip(("a.jpg", LeafJpeg(1))))), HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Zip_bombs_and_oversized_entries_are_refused_without_unpacking()
    {
        await using var service = await OfficerService.StartAsync("sqlite", new Dictionary<string, string?>
        {
            ["Imports:MaxTotalBytes"] = "2000000",
            ["Imports:MaxEntryBytes"] = "1000000",
            ["Imports:MaxEntries"] = "20",
        });
        using var officer = await service.NewOfficerAsync("north");
        var id = (await SurveyRequests.CreateSurveyAsync(officer)).GetProperty("id").GetString();
        var url = $"/v1/surveys/{id}/imports";

        // 3 MB of zeros packs into a few KB: refused at upload from the declared sizes.
        var bomb = SurveyRequests.Zip(("zeros.jpg", new byte[3_000_000]));
        Assert.True(bomb.Length < 50_000);
        var refused = await Problem(await officer.PostAsync(url, SurveyRequests.ZipBody(bomb)), HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("unpacks", refused.GetProperty("detail").GetString());
        await Problem(await officer.PostAsync(url, SurveyRequests.ZipBody(SurveyRequests.Zip([.. Enumerable.Range(0, 21).Select(i => ($"{i}.jpg", LeafJpeg(1)))]))), HttpStatusCode.RequestEntityTooLarge);

        // One entry over the per-photo cap is listed; the rest import.
        var big = new byte[1_500_000];
        LeafJpeg(2).CopyTo(big, 0);
        var job = await SurveyRequests.WaitForJobAsync(officer, (await officer.PostAsync(url, SurveyRequests.ZipBody(SurveyRequests.Zip(("big.jpg", big), ("ok.jpg", LeafJpeg(3)))))).Headers.Location!.ToString(), TimeSpan.FromMinutes(1));
        Assert.Equal((1, 1), (job.GetProperty("added").GetInt32(), job.GetProperty("failed").GetInt32()));
        Assert.Contains("Too large", job.GetProperty("problems")[0].GetProperty("reason").GetString());
    }
}
