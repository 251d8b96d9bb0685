using System.CommandLine;
using System.IO.Compression;
using System.Security.Cryptography;
using CropVision.FieldStore;
using CropVision.FieldStore.Backup;
using CropVision.FieldStore.Infrastructure;
using CropVision.FieldStore.Model;
using CropVision.FieldStore.Observations;
using CropVision.FieldStore.Photos;
using CropVision.Tests.Support;
using CropVision.Training.Commands;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CropVision.Tests.FieldStore;

/// <summary>`cropvision store backup` then `store restore` into an empty store finds every observation and photo, on both providers.</summary>
[Trait("Category", "Postgres")]
public sealed class StoreBackupTests
{
    [Fact]
    public Task Sqlite_store_survives_a_backup_and_restore() => RoundTripAsync(FieldStoreOptions.Sqlite);

    [PgDumpFact]
    public Task Postgres_store_survives_a_backup_and_restore() => RoundTripAsync(FieldStoreOptions.Postgres);

    private static async Task RoundTripAsync(string provider)
    {
        await using var source = await TestDatabase.CreateAsync(provider);
        using var work = new TempFolder();
        var archive = Path.Combine(work.Path, "backup.zip");
        var expected = new Dictionary<Guid, string>();
        await using (var services = await source.StoreServicesAsync())
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<FieldStoreContext>();
            var survey = new Survey { Id = Guid.NewGuid(), Name = "Sao lưu Đắk Hà", Crop = "coffee", Team = "north", CreatedBy = "lan" };
            db.Surveys.Add(survey);
            await db.SaveChangesAsync();
            var store = scope.ServiceProvider.GetRequiredService<ObservationStore>();
            for (int i = 0; i < 4; i++)
            {
                var added = await store.AddAsync(new ObservationInput
                {
                    Crop = "coffee", SurveyId = survey.Id, PlotCode = $"Lô {i % 2}", ClientLatitude = 14.6 + i * 0.001, ClientLongitude = 108.0,
                    Model = new ModelAnswer(3, "rust", 0.8, "2", "ok"),
                }, StorePhotos.Jpeg(200 + i), CancellationToken.None);
                expected[added.Observation.Id] = added.Observation.PhotoSha256!;
            }
        }

        Assert.Equal(0, await RunAsync(["store", "backup", "--out", archive, .. Store(source)]));
        Assert.True(File.Exists(archive));
        Assert.NotEqual(0, await RunAsync(["store", "backup", "--out", archive, .. Store(source)])); // never overwrites one

        await using var target = await TestDatabase.CreateAsync(provider);
        Assert.Equal(0, await RunAsync(["store", "restore", "--from", archive, .. Store(target)]));
        await using (var services = await target.StoreServicesAsync())
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<FieldStoreContext>();
            var restored = await db.Observations.AsNoTracking().Include(o => o.Photo).ToListAsync();
            Assert.Equal(expected.Keys.Order(), restored.Select(o => o.Id).Order());
            Assert.All(restored, o => Assert.Equal(expected[o.Id], o.PhotoSha256));
            Assert.Equal("Sao lưu Đắk Hà", (await db.Surveys.SingleAsync()).Name);
            var files = services.GetRequiredService<PhotoFiles>();
            foreach (var o in restored)
            {
                var photo = files.PhotoPath(o.PhotoSha256!, o.Photo!.Extension);
                Assert.Equal(o.PhotoSha256, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(photo))));
                Assert.True(File.Exists(files.ThumbnailPath(o.PhotoSha256!)), $"thumbnail of {o.Id}");
            }
        }

        // A store with data is refused unless --force; a damaged archive is refused before anything is touched.
        Assert.Equal(1, await RunAsync(["store", "restore", "--from", archive, .. Store(target)]));
        var damaged = Path.Combine(work.Path, "damaged.zip");
        File.Copy(archive, damaged);
        using (var zip = ZipFile.Open(damaged, ZipArchiveMode.Update))
        {
            var photo = zip.Entries.First(e => e.FullName.StartsWith("photos/", StringComparison.Ordinal));
            var name = photo.FullName;
            photo.Delete();
            using var s = zip.CreateEntry(name).Open();
            s.Write(StorePhotos.Jpeg(999));
        }
        Assert.Equal(1, await RunAsync(["store", "restore", "--from", damaged, "--force", .. Store(target)]));
        Assert.Equal(0, await RunAsync(["store", "restore", "--from", archive, "--force", .. Store(target)]));
    }

    private static string[] Store(TestDatabase db) =>
        ["--provider", db.Provider, "--data-folder", db.DataFolder, .. db.ConnectionString.Length > 0 ? new[] { "--connection", db.ConnectionString } : []];

    private static Task<int> RunAsync(string[] args) => new RootCommand { StoreCommand.Create() }.Parse(args).InvokeAsync();
}

/// <summary>The PostgreSQL round trip needs a server (CROPVISION_TEST_POSTGRES) and pg_dump/pg_restore; says which is missing.</summary>
public sealed class PgDumpFactAttribute : FactAttribute
{
    public PgDumpFactAttribute()
    {
        if (TestDatabase.PostgresServer is null)
            Skip = $"{TestDatabase.PostgresVariable} is not set: the backup round trip ran on SQLite only.";
        else if (PgTools.Find("pg_dump") is null || PgTools.Find("pg_restore") is null)
            Skip = "pg_dump/pg_restore not found on PATH or in /usr/lib/postgresql/*/bin: the PostgreSQL backup round trip did not run.";
    }
}
