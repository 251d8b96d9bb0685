using System.IO.Compression;
using CropVision.Api.Jobs;
using CropVision.Core.Preprocessing;
using CropVision.Tests.Support;

namespace CropVision.Tests.Api;

/// <summary>
/// A zip's bad entries carry a code the officer page shows in Vietnamese. The code is read back from the stored English
/// reason, so these tests tie each refusal's real message to its code: a reworded message that loses its code fails here.
/// </summary>
[Trait("Category", "Fast")]
public sealed class ImportProblemCodeTests
{
    private static string Refusal(string name, byte[] bytes, long maxEntryBytes = 1024 * 1024)
    {
        using var zip = new ZipArchive(new MemoryStream(SurveyRequests.Zip((name, bytes))));
        long total = 0;
        var e = Assert.Throws<EntryRefusedException>(() => ImportArchive.Read(zip.Entries[0], new ImportOptions { MaxEntryBytes = maxEntryBytes }, ref total));
        return e.Message;
    }

    [Fact]
    public void Each_refusal_of_an_entry_has_its_code()
    {
        Assert.Equal("image-unsupported", ImportProblemView.CodeOf(Refusal("day2/notes.txt", "ghi chép"u8.ToArray())));
        Assert.Equal("image-too-large", ImportProblemView.CodeOf(Refusal("day2/big.jpg", StorePhotos.Jpeg(1), maxEntryBytes: 100)));
        Assert.Equal("unsafe-file-name", ImportProblemView.CodeOf(Refusal("../evil.jpg", StorePhotos.Jpeg(2))));
        Assert.Equal("zip-entry-damaged", ImportProblemView.CodeOf("Damaged in the zip: bad CRC"));
        Assert.Equal("import-entry-refused", ImportProblemView.CodeOf("Something nobody foresaw"));
    }

    [Fact]
    public void A_photo_the_decoder_refuses_has_its_code()
    {
        var e = Assert.Throws<ImageDecodeException>(() => ImageDecoder.CheckHeader("not a photo at all"u8.ToArray()));
        Assert.Equal("image-unsupported", ImportProblemView.CodeOf(e.Message));
        Assert.Equal("image-unsupported", new ImportProblemView(0, "a.jpg", e.Message).Code);
        Assert.Equal("image-empty", ImportProblemView.CodeOf(Assert.Throws<ImageDecodeException>(() => ImageDecoder.CheckHeader([])).Message));
        var jpeg = StorePhotos.Jpeg(3);
        Assert.Equal("image-unreadable", ImportProblemView.CodeOf(Assert.Throws<ImageDecodeException>(() => ImageDecoder.DecodeUpright(jpeg[..20], 224, 224)).Message));
        Assert.Equal("image-too-large", ImportProblemView.CodeOf(Assert.Throws<ImageDecodeException>(() => ImageDecoder.CheckHeader(jpeg, maxPixels: 100)).Message));
    }
}
