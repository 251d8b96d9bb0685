using System.Net;
using System.Text.Json;
using CropVision.FieldStore;
using CropVision.FieldStore.Model;
using CropVision.Tests.Support;
using MetadataExtractor;
using MetadataExtractor.Formats.Exif;

namespace CropVision.Tests.Api;

/// <summary>What an officer sees of a farmer's photo: pixels, upright, and nothing about the farmer.</summary>
[Trait("Category", "Fast")]
public sealed class FeedbackPhotoTests : IAsyncLifetime
{
    private OfficerService _service = null!;

    public async Task InitializeAsync() => _service = await OfficerService.StartAsync(FieldStoreOptions.Sqlite);
    public async Task DisposeAsync() => await _service.DisposeAsync();

    [Fact]
    public async Task Feedback_photos_lose_gps_and_personal_exif()
    {
        const string owner = "Nguyen Van Ba 0905123456";
        var taken = new DateTime(2026, 11, 18, 9, 30, 0);
        // The phone's EXIF (when, where and whose), and sideways as a phone stores it (orientation 6, in the first APP1, where decoders look).
        var photo = TestImages.WithExifOrientation(ExifWriter.WithExif(ServiceRequests.LeafJpeg(seed: 31), taken, 14.6213, 107.9871, owner), 6);
        Assert.Contains(ImageMetadataReader.ReadMetadata(new MemoryStream(photo)), d => d is GpsDirectory); // the upload carries them

        var response = await _service.Anonymous().PostAsync("/v1/feedback", FeedbackTests.Form(photo));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();

        using var officer = await _service.NewOfficerAsync("north");
        var fetched = await officer.GetAsync($"/v1/review/{id}/photo");
        Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
        var bytes = await fetched.Content.ReadAsByteArrayAsync();

        var directories = ImageMetadataReader.ReadMetadata(new MemoryStream(bytes));
        Assert.DoesNotContain(directories, d => d is GpsDirectory or ExifIfd0Directory or ExifSubIfdDirectory);
        Assert.False(UploadBudgetTests.ContainsMarker(bytes, 0xE1), "an APP1 (EXIF/XMP) segment survived");
        Assert.DoesNotContain("Nguyen", System.Text.Encoding.Latin1.GetString(bytes));
        using var decoded = SkiaSharp.SKBitmap.Decode(bytes);
        Assert.Equal((256, 512), (decoded.Width, decoded.Height)); // turned upright: the orientation went with the EXIF

        // When it was taken is read from the photo as sent; where is never kept for a farmer.
        var stored = (await StoredFeedback.AllAsync(_service.Factory)).Single(o => o.Id == id);
        Assert.Equal((TakenAtSource.Exif, PositionSource.None, (double?)null), (stored.TakenAtSource, stored.PositionSource, stored.Latitude));
    }
}

/// <summary>Feedback:MaxStoredBytesPerDay, counted from the store, on each provider.</summary>
[Trait("Category", "Postgres")]
public sealed class FeedbackQuotaTests
{
    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Feedback_beyond_the_daily_quota_is_kept_without_its_photo(string provider)
    {
        // One byte a day: the first photo of the day is kept (the store was empty), none after it.
        await using var service = await OfficerService.StartAsync(provider, new Dictionary<string, string?> { ["Feedback:MaxStoredBytesPerDay"] = "1" });
        var farmer = service.Anonymous();
        var receipts = new List<JsonElement>();
        foreach (var seed in new[] { 41, 42 })
        {
            var response = await farmer.PostAsync("/v1/feedback", FeedbackTests.Form(ServiceRequests.LeafJpeg(seed)));
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            receipts.Add(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
        }
        Assert.True(receipts[0].GetProperty("photoStored").GetBoolean());
        Assert.False(receipts[1].GetProperty("photoStored").GetBoolean());
        Assert.Contains("without the photo", receipts[1].GetProperty("photoNote").GetString());

        var kept = (await StoredFeedback.AllAsync(service.Factory)).Single(o => o.Id == receipts[1].GetProperty("id").GetGuid());
        Assert.Equal((FarmerVerdict.Wrong, "phoma", (string?)null), (kept.FarmerVerdict!.Value, kept.FarmerLabel, kept.PhotoSha256));

        // Officers' pages cope: its photo and thumbnail are 404 problems, the queue leaves it out.
        using var officer = await service.NewOfficerAsync("north");
        await ServiceRequests.Problem(await officer.GetAsync($"/v1/review/{kept.Id}/photo"), HttpStatusCode.NotFound);
        await ServiceRequests.Problem(await officer.GetAsync($"/v1/review/{kept.Id}/thumbnail"), HttpStatusCode.NotFound);
        var queue = JsonDocument.Parse(await officer.GetStringAsync("/v1/review?crop=coffee")).RootElement;
        var ids = queue.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("observation").GetProperty("id").GetGuid()).ToList();
        Assert.Contains(receipts[0].GetProperty("id").GetGuid(), ids);
        Assert.DoesNotContain(kept.Id, ids);
    }
}
