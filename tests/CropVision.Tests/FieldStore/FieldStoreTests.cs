using CropVision.Core.Preprocessing;
using CropVision.FieldStore;
using CropVision.FieldStore.Infrastructure;
using CropVision.FieldStore.Model;
using CropVision.FieldStore.Observations;
using CropVision.FieldStore.Photos;
using CropVision.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace CropVision.Tests.FieldStore;

/// <summary>The store on a real database: SQLite always, PostgreSQL when CROPVISION_TEST_POSTGRES names a server.</summary>
[Trait("Category", "Postgres")]
public sealed class FieldStoreTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 3, 0, 0, TimeSpan.Zero);

    private static async Task<(TestDatabase Db, ServiceProvider Services, Guid SurveyId)> StartAsync(string provider)
    {
        var db = await TestDatabase.CreateAsync(provider);
        var services = await db.StoreServicesAsync(new FakeTimeProvider(Now));
        await using var scope = services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<FieldStoreContext>();
        var survey = new Survey { Id = Guid.NewGuid(), Name = "Đắk Hà rust", Crop = "coffee", Team = "north", CreatedBy = "lan", Commune = "Hà Mòn", CreatedAt = Now, UpdatedAt = Now };
        context.Surveys.Add(survey);
        await context.SaveChangesAsync();
        return (db, services, survey.Id);
    }

    private static ObservationInput Input(Guid surveyId) => new()
    {
        Crop = "coffee", SurveyId = surveyId, Officer = "lan", PlotCode = "P-01",
        Model = new ModelAnswer(1, "rust", 0.91, "2", "ok"),
    };

    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Photo_is_stored_by_content_with_a_thumbnail_and_the_row_points_at_it(string provider)
    {
        var (db, services, surveyId) = await StartAsync(provider);
        await using var _ = db; await using var __ = services;
        var photo = StorePhotos.Jpeg(1);
        await using var scope = services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<ObservationStore>();

        var added = await store.AddAsync(Input(surveyId), photo, CancellationToken.None);

        Assert.False(added.Duplicate);
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(photo));
        var path = Path.Combine(db.DataFolder, "photos", sha[..2], sha[2..] + ".jpg");
        Assert.Equal(photo, await File.ReadAllBytesAsync(path));
        using (var thumb = SkiaSharp.SKBitmap.Decode(Path.Combine(db.DataFolder, "thumbs", sha[..2], sha[2..] + ".jpg")))
            Assert.Equal(PhotoFiles.ThumbnailSize, Math.Max(thumb.Width, thumb.Height));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(db.DataFolder, "tmp")));

        var context = scope.ServiceProvider.GetRequiredService<FieldStoreContext>();
        var row = await context.Observations.Include(o => o.Photo).SingleAsync();
        Assert.Equal(sha, row.PhotoSha256);
        Assert.Equal((320, 160), (row.Photo!.Width, row.Photo.Height));
        Assert.Equal(("rust", 0.91, "2", "ok", 1), (row.ModelLabel, row.ModelConfidence, row.ModelSeverity, row.ModelStatus, row.ModelVersion));
        Assert.Equal((TakenAtSource.Upload, Now), (row.TakenAtSource, row.TakenAt));
        Assert.Equal(PositionSource.None, row.PositionSource);
        Assert.False(row.IsReviewed);
    }

    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Exif_time_and_gps_win_over_the_client_and_the_client_over_the_clock(string provider)
    {
        var (db, services, surveyId) = await StartAsync(provider);
        await using var _ = db; await using var __ = services;
        await using var scope = services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<ObservationStore>();
        var client = new DateTimeOffset(2026, 11, 18, 9, 30, 0, TimeSpan.FromHours(7));

        var withExif = ExifWriter.WithExif(StorePhotos.Jpeg(2), new DateTime(2026, 11, 17, 8, 15, 30), 14.6512, 107.8123);
        var a = (await store.AddAsync(Input(surveyId) with { ClientTakenAt = client, ClientLatitude = 14.0, ClientLongitude = 108.0 }, withExif, default)).Observation;
        Assert.Equal((TakenAtSource.Exif, PositionSource.Exif), (a.TakenAtSource, a.PositionSource));
        Assert.Equal(new DateTimeOffset(2026, 11, 17, 1, 15, 30, TimeSpan.Zero), a.TakenAt); // phone local time, Kon Tum UTC+7
        Assert.Equal(14.6512, a.Latitude!.Value, 4);
        Assert.Equal(107.8123, a.Longitude!.Value, 4);

        var b = (await store.AddAsync(Input(surveyId) with { ClientTakenAt = client, ClientLatitude = 14.0, ClientLongitude = 108.0 }, StorePhotos.Jpeg(3), default)).Observation;
        Assert.Equal((TakenAtSource.Client, PositionSource.Client, 14.0, 108.0), (b.TakenAtSource, b.PositionSource, b.Latitude!.Value, b.Longitude!.Value));
        Assert.Equal(client, b.TakenAt);

        // Read back from the database: instants survive the round trip on both providers.
        var context = scope.ServiceProvider.GetRequiredService<FieldStoreContext>();
        var stored = await context.Observations.AsNoTracking().OrderBy(o => o.TakenAt).Select(o => o.TakenAt).ToListAsync();
        Assert.Equal([a.TakenAt, b.TakenAt], stored);
    }

    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Same_photo_twice_in_a_survey_is_one_observation_but_other_surveys_share_the_file(string provider)
    {
        var (db, services, surveyId) = await StartAsync(provider);
        await using var _ = db; await using var __ = services;
        await using var scope = services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<ObservationStore>();
        var context = scope.ServiceProvider.GetRequiredService<FieldStoreContext>();
        var other = new Survey { Id = Guid.NewGuid(), Name = "other", Crop = "coffee", Team = "north", CreatedBy = "lan", CreatedAt = Now, UpdatedAt = Now };
        context.Surveys.Add(other);
        await context.SaveChangesAsync();
        var photo = StorePhotos.Jpeg(4);

        var first = await store.AddAsync(Input(surveyId), photo, default);
        var again = await store.AddAsync(Input(surveyId), photo, default);
        var elsewhere = await store.AddAsync(Input(other.Id), photo, default);

        Assert.True(again.Duplicate);
        Assert.Equal(first.Observation.Id, again.Observation.Id);
        Assert.False(elsewhere.Duplicate);
        Assert.Equal(2, await context.Observations.CountAsync());
        Assert.Equal(1, await context.Photos.CountAsync());
    }

    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Deleting_keeps_a_photo_another_observation_uses_and_removes_the_last_copy(string provider)
    {
        var (db, services, surveyId) = await StartAsync(provider);
        await using var _ = db; await using var __ = services;
        await using var scope = services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<ObservationStore>();
        var feedback = scope.ServiceProvider.GetRequiredService<FarmerFeedbackWriter>();
        var context = scope.ServiceProvider.GetRequiredService<FieldStoreContext>();
        var photo = StorePhotos.Jpeg(5);
        var otherSurvey = new Survey { Id = Guid.NewGuid(), Name = "Kon Plông", Crop = "coffee", Team = "north", CreatedBy = "lan", CreatedAt = Now, UpdatedAt = Now };
        context.Surveys.Add(otherSurvey);
        await context.SaveChangesAsync();
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(photo));
        var file = Path.Combine(db.DataFolder, "photos", sha[..2], sha[2..] + ".jpg");

        var first = await store.AddAsync(Input(surveyId), photo, default);
        var second = await store.AddAsync(Input(otherSurvey.Id), photo, default);
        // Two farmers sending the same photo share its one re-encoded copy.
        var verdict = new FarmerFeedback("coffee", new ModelAnswer(1, "rust", 0.8, "1", "ok"), FarmerVerdict.Right, null);
        var farmers = new[] { await feedback.AddFarmerFeedbackAsync(verdict, photo, default), await feedback.AddFarmerFeedbackAsync(verdict, photo, default) };
        Assert.Equal(2, await context.Photos.CountAsync()); // the survey's original and the farmers' copy

        Assert.True(await store.DeleteAsync(first.Observation.Id, default));
        Assert.True(await store.DeleteAsync(farmers[0].Observation.Id, default));
        Assert.True(File.Exists(file));
        Assert.Equal(2, await context.Photos.CountAsync());

        Assert.True(await store.DeleteAsync(second.Observation.Id, default));
        Assert.True(await store.DeleteAsync(farmers[1].Observation.Id, default));
        Assert.False(File.Exists(file));
        Assert.False(File.Exists(Path.Combine(db.DataFolder, "thumbs", sha[..2], sha[2..] + ".jpg")));
        Assert.Equal(0, await context.Photos.CountAsync());
        Assert.False(await store.DeleteAsync(farmers[1].Observation.Id, default));
    }

    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Farmer_feedback_is_an_observation_without_a_survey(string provider)
    {
        var (db, services, _) = await StartAsync(provider);
        await using var __ = db; await using var ___ = services;
        await using var scope = services.CreateAsyncScope();
        var writer = scope.ServiceProvider.GetRequiredService<FarmerFeedbackWriter>();
        var photo = ExifWriter.WithExif(StorePhotos.Jpeg(6), null, 14.6, 107.9);

        var saved = await writer.AddFarmerFeedbackAsync(new FarmerFeedback("coffee", new ModelAnswer(1, "rust", 0.55, "1", "uncertain"), FarmerVerdict.Wrong, "miner"), photo, default);
        var again = await writer.AddFarmerFeedbackAsync(new FarmerFeedback("coffee", new ModelAnswer(1, "rust", 0.55, "1", "uncertain"), FarmerVerdict.Wrong, ""), photo, default);

        var context = scope.ServiceProvider.GetRequiredService<FieldStoreContext>();
        var rows = await context.Observations.AsNoTracking().OrderBy(o => o.FarmerLabel).ToListAsync();
        Assert.Equal(2, rows.Count); // two farmers may send the same photo: both verdicts count
        var row = rows.Single(r => r.Id == saved.Observation.Id);
        Assert.Equal((ObservationSource.FarmerFeedback, (Guid?)null, FarmerVerdict.Wrong, "miner"), (row.Source, row.SurveyId, row.FarmerVerdict!.Value, row.FarmerLabel));
        Assert.Equal(("rust", "uncertain"), (row.ModelLabel, row.ModelStatus));
        Assert.Equal(PositionSource.None, row.PositionSource); // a farmer's photo GPS is not kept: farmers stay anonymous
        Assert.Null(rows.Single(r => r.Id == again.Observation.Id).FarmerLabel);
    }

    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_bad_photo_or_bad_position_writes_nothing(string provider)
    {
        var (db, services, surveyId) = await StartAsync(provider);
        await using var _ = db; await using var __ = services;
        await using var scope = services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<ObservationStore>();
        var truncated = StorePhotos.Jpeg(7)[..400];

        await Assert.ThrowsAsync<ImageDecodeException>(() => store.AddAsync(Input(surveyId), truncated, default));
        var e = await Assert.ThrowsAsync<ImageDecodeException>(() => store.AddAsync(Input(surveyId), "GIF89a....."u8.ToArray(), default));
        Assert.Equal(ImageProblem.UnsupportedFormat, e.Problem);
        await Assert.ThrowsAsync<FieldStoreValidationException>(() => store.AddAsync(Input(surveyId) with { ClientLatitude = 95, ClientLongitude = 10 }, StorePhotos.Jpeg(8), default));
        await Assert.ThrowsAsync<FieldStoreValidationException>(() => store.AddAsync(Input(surveyId) with { ClientLatitude = 14 }, StorePhotos.Jpeg(8), default));

        var context = scope.ServiceProvider.GetRequiredService<FieldStoreContext>();
        Assert.Equal(0, await context.Observations.CountAsync());
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(db.DataFolder, "photos"), "*", SearchOption.AllDirectories));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(db.DataFolder, "tmp")));
    }

    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Concurrent_writers_of_the_same_photos_add_each_once(string provider)
    {
        var (db, services, surveyId) = await StartAsync(provider);
        await using var _ = db; await using var __ = services;
        var photos = Enumerable.Range(10, 6).Select(i => StorePhotos.Jpeg(i)).ToList();

        // Four writers, each with its own context, add the same six photos at once.
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            await using var scope = services.CreateAsyncScope();
            var store = scope.ServiceProvider.GetRequiredService<ObservationStore>();
            var added = new List<AddedObservation>();
            foreach (var photo in photos.Skip(w).Concat(photos.Take(w))) added.Add(await store.AddAsync(Input(surveyId), photo, default));
            return added;
        })));

        await using var check = services.CreateAsyncScope();
        var context = check.ServiceProvider.GetRequiredService<FieldStoreContext>();
        Assert.Equal(6, await context.Observations.CountAsync());
        Assert.Equal(6, await context.Photos.CountAsync());
        Assert.Equal(6, results.SelectMany(r => r).Count(a => !a.Duplicate));
        Assert.Equal(6, results.SelectMany(r => r).Select(a => a.Observation.Id).Distinct().Count());
    }

    [Theory, MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Deleting_a_survey_removes_its_waiting_import_zip(string provider)
    {
        var (db, services, surveyId) = await StartAsync(provider);
        await using var _ = db; await using var __ = services;
        await using var scope = services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<FieldStoreContext>();
        var paths = scope.ServiceProvider.GetRequiredService<FieldStorePaths>();
        var jobs = new[] { ImportJobState.Queued, ImportJobState.Running }.Select(state => new ImportJob
        {
            Id = Guid.NewGuid(), SurveyId = surveyId, Officer = "lan", State = state, CreatedAt = Now, UpdatedAt = Now, ArchivePath = "",
        }).ToList();
        foreach (var job in jobs)
        {
            job.ArchivePath = Path.Combine("imports", $"{job.Id:N}.zip");
            await File.WriteAllBytesAsync(paths.Resolve(job.ArchivePath), [0x50, 0x4b, 0x05, 0x06]);
        }
        var otherZip = Path.Combine(paths.Imports, "another-surveys.zip");
        await File.WriteAllBytesAsync(otherZip, [1]);
        context.ImportJobs.AddRange(jobs);
        await context.SaveChangesAsync();

        Assert.True(await scope.ServiceProvider.GetRequiredService<ObservationStore>().DeleteSurveyAsync(surveyId, default));

        Assert.Equal([otherZip], Directory.GetFiles(paths.Imports));
        Assert.Equal(0, await context.ImportJobs.CountAsync());
    }

    [PostgresFact]
    public async Task Postgres_migrations_apply_to_an_empty_database()
    {
        await using var db = await TestDatabase.CreateAsync(FieldStoreOptions.Postgres);
        await using var services = await db.StoreServicesAsync();
        await using var scope = services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<FieldStoreContext>();
        Assert.IsType<PostgresFieldStoreContext>(context);
        Assert.Empty(await context.Database.GetPendingMigrationsAsync());
        Assert.Equal(0, await context.Surveys.CountAsync());
    }
}
