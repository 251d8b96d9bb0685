using CropVision.FieldStore;
using CropVision.FieldStore.Photos;
using CropVision.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace CropVision.Tests.FieldStore;

/// <summary>The data folder (photos with GPS, the key ring, the database) is the service user's alone on Unix (issue 19).</summary>
[Trait("Category", "Fast")]
public class DataFolderPermissionsTests
{
    private const UnixFileMode Folder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode File600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task Data_files_are_private_to_the_service_user()
    {
        if (OperatingSystem.IsWindows()) return; // Windows has ACLs, not modes
        await using var db = await TestDatabase.CreateAsync(FieldStoreOptions.Sqlite);
        Directory.CreateDirectory(db.DataFolder);
        File.SetUnixFileMode(db.DataFolder, Folder | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);

        await using var services = await db.StoreServicesAsync(); // creates the folders, migrates the SQLite file

        Assert.Equal(Folder, File.GetUnixFileMode(db.DataFolder)); // a folder made 0755 earlier is narrowed
        foreach (var sub in new[] { "photos", "thumbs", "imports", "keys", "tmp" })
            Assert.Equal(Folder, File.GetUnixFileMode(Path.Combine(db.DataFolder, sub)));
        var files = Directory.GetFiles(db.DataFolder, "fieldstore.db*");
        Assert.Contains(Path.Combine(db.DataFolder, "fieldstore.db"), files);
        foreach (var file in files) Assert.Equal((file, File600), (file, File.GetUnixFileMode(file)));

        // Photos (survey photos keep their GPS) and thumbnails, in folders made as they are written.
        var photos = services.GetRequiredService<PhotoFiles>();
        var saved = await photos.SaveAsync(ServiceRequests.LeafJpeg(), CancellationToken.None);
        foreach (var file in new[] { photos.PhotoPath(saved.Sha256, saved.Extension), photos.ThumbnailPath(saved.Sha256) })
        {
            Assert.Equal((file, File600), (file, File.GetUnixFileMode(file)));
            Assert.Equal(Folder, File.GetUnixFileMode(Path.GetDirectoryName(file)!));
        }

        var zip = Path.Combine(db.DataFolder, "tmp", "upload.part");
        await using (var stream = new FileStream(zip, FieldStorePaths.PrivateNewFile())) stream.WriteByte(1);
        Assert.Equal(File600, File.GetUnixFileMode(zip));
    }
}
