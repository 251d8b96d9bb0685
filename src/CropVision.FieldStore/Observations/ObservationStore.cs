using CropVision.FieldStore.Infrastructure;
using CropVision.FieldStore.Model;
using CropVision.FieldStore.Photos;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CropVision.FieldStore.Observations;

/// <summary>
/// Adds and deletes observations with their photo files. The photo is in place (temp file + move) before the row is
/// committed; a photo's files go only when no observation uses them any more; the same photo twice in a survey is one
/// observation, also when two processes add it at the same moment (the unique index decides).
/// </summary>
public sealed class ObservationStore(FieldStoreContext db, PhotoFiles files, FieldStorePaths paths, IOptions<FieldStoreOptions> options, TimeProvider clock)
{
    public const int MaxTextLength = 4000;

    /// <summary>
    /// Saves a review (confirmed label and severity, notes, plot, position) made on an observation this store's context
    /// tracks: the caller loaded it tracked from the same request's context and applied the review rules. A change of
    /// the verdict (or a comment) is appended to the review trail in the same transaction (<see cref="ReviewTrail"/>).
    /// </summary>
    public async Task SaveReviewAsync(Observation reviewed, string by, string? comment, CancellationToken ct)
    {
        var entry = db.Entry(reviewed);
        if (entry.State == EntityState.Detached)
            throw new InvalidOperationException("Load the observation with tracking from the request's context before reviewing it.");
        using var span = FieldStoreTelemetry.StartWrite("review");
        var before = new Verdict(entry.Property(o => o.ReviewedAt).OriginalValue is not null,
            entry.Property(o => o.ConfirmedLabel).OriginalValue, entry.Property(o => o.ConfirmedSeverity).OriginalValue);
        var after = Verdict.Of(reviewed);
        if (before != after || !string.IsNullOrWhiteSpace(comment))
            db.ReviewEvents.Add(ReviewTrail.Event(reviewed.Id, after.Reviewed || !before.Reviewed ? ReviewEventKind.Review : ReviewEventKind.Clear,
                by, clock.GetUtcNow(), before, after, comment));
        await db.SaveChangesAsync(ct);
    }

    /// <summary>The observation of a survey that already has this photo, if any.</summary>
    public Task<Observation?> FindInSurveyAsync(Guid surveyId, string sha256, CancellationToken ct) =>
        db.Observations.AsNoTracking().FirstOrDefaultAsync(o => o.SurveyId == surveyId && o.PhotoSha256 == sha256, ct);

    /// <summary>The observation a client already sent with this id, if any.</summary>
    public Task<Observation?> FindByClientIdAsync(Guid clientId, CancellationToken ct) =>
        db.Observations.AsNoTracking().FirstOrDefaultAsync(o => o.ClientId == clientId, ct);

    /// <summary>
    /// The observation an idempotency key already made in a survey, if any; throws <see cref="IdempotencyKeyReusedException"/>
    /// when that observation holds a different photo than <paramref name="sha256"/>.
    /// </summary>
    public async Task<Observation?> FindByKeyAsync(Guid surveyId, string? key, string sha256, CancellationToken ct)
    {
        if (key is null) return null;
        var existing = await db.Observations.AsNoTracking().FirstOrDefaultAsync(o => o.SurveyId == surveyId && o.IdempotencyKey == key, ct);
        if (existing is not null && existing.PhotoSha256 != sha256) throw new IdempotencyKeyReusedException(key);
        return existing;
    }

    /// <summary>
    /// Stores the photo, then commits the observation (and whatever <paramref name="alsoCommit"/> adds to the context,
    /// in the same transaction: an import's progress). Throws <see cref="CropVision.Core.Preprocessing.ImageDecodeException"/>
    /// for a photo that is not a readable JPEG/PNG/WebP, <see cref="FieldStoreValidationException"/> for bad fields.
    /// </summary>
    public async Task<AddedObservation> AddAsync(ObservationInput input, ReadOnlyMemory<byte> photo, CancellationToken ct,
        Func<FieldStoreContext, bool, Task>? alsoCommit = null)
    {
        Validate(input);
        using var span = FieldStoreTelemetry.StartWrite("add observation");
        var file = await files.SaveAsync(photo, ct);
        return await AddAsync(input, file, PhotoMetadata.Read(photo, options.Value.PhotoClockOffset), ct, alsoCommit);
    }

    /// <summary>
    /// Commits an observation whose photo file is already saved (<see cref="PhotoFiles.SaveAsync"/>), or that has none
    /// (<paramref name="file"/> null: feedback beyond the day's photo quota); <paramref name="exif"/> is read from the
    /// photo as it was sent, which for a re-encoded copy is not the stored file.
    /// </summary>
    public async Task<AddedObservation> AddAsync(ObservationInput input, PhotoFile? file, PhotoMetadata exif, CancellationToken ct,
        Func<FieldStoreContext, bool, Task>? alsoCommit = null)
    {
        Validate(input);
        using var span = FieldStoreTelemetry.StartWrite("add observation");
        var observation = Build(input, file, exif);

        for (int attempt = 0; ; attempt++)
        {
            db.ChangeTracker.Clear();
            if (input.SurveyId is { } keyed && file is not null && await FindByKeyAsync(keyed, input.IdempotencyKey, file.Sha256, ct) is { } first)
                return new AddedObservation(first, Duplicate: true) { Replay = true };
            if (input.SurveyId is { } surveyId && file is not null && await FindInSurveyAsync(surveyId, file.Sha256, ct) is { } existing)
            {
                if (alsoCommit is not null) { await alsoCommit(db, true); await db.SaveChangesAsync(ct); }
                return new AddedObservation(existing, Duplicate: true);
            }
            if (input.ClientId is { } clientId && await FindByClientIdAsync(clientId, ct) is { } sent)
                return new AddedObservation(sent, Duplicate: true);
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            try
            {
                if (file is not null && !await db.Photos.AnyAsync(p => p.Sha256 == file.Sha256, ct))
                {
                    db.Photos.Add(new StoredPhoto
                    {
                        Sha256 = file.Sha256, Extension = file.Extension, Length = file.Length, Width = file.Width, Height = file.Height,
                        StoredAt = clock.GetUtcNow(),
                    });
                    await db.SaveChangesAsync(ct);
                }
                db.Observations.Add(observation);
                if (alsoCommit is not null) await alsoCommit(db, false);
                await db.SaveChangesAsync(ct);
                await transaction.CommitAsync(ct);
                db.Entry(observation).State = EntityState.Detached;
                return new AddedObservation(observation, Duplicate: false);
            }
            catch (DbUpdateException) when (attempt < 3)
            {
                // Another writer added the same photo row, survey photo or client id first: look again.
                await transaction.RollbackAsync(CancellationToken.None);
                observation.Id = Guid.NewGuid();
            }
        }
    }

    /// <summary>
    /// Deletes an observation; its photo's row and files go too when no other observation uses them (files after the
    /// commit, so a crash leaves at worst an unreferenced file, never a row without its file).
    /// </summary>
    public async Task<bool> DeleteAsync(Guid id, CancellationToken ct)
    {
        using var span = FieldStoreTelemetry.StartWrite("delete observation");
        db.ChangeTracker.Clear();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var observation = await db.Observations.FirstOrDefaultAsync(o => o.Id == id, ct);
        if (observation is null) return false;
        db.Observations.Remove(observation);
        await db.SaveChangesAsync(ct);
        var orphan = await ReleasePhotoIfUnusedAsync(observation.PhotoSha256, ct);
        await transaction.CommitAsync(ct);
        if (orphan is not null) files.Delete(orphan.Sha256, orphan.Extension);
        return true;
    }

    /// <summary>Deletes a survey with its observations, import jobs (and their zips) and the photos no one else uses.</summary>
    public async Task<bool> DeleteSurveyAsync(Guid surveyId, CancellationToken ct)
    {
        using var span = FieldStoreTelemetry.StartWrite("delete survey");
        db.ChangeTracker.Clear();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var survey = await db.Surveys.FirstOrDefaultAsync(s => s.Id == surveyId, ct);
        if (survey is null) return false;
        var shas = await db.Observations.Where(o => o.SurveyId == surveyId).Select(o => o.PhotoSha256).Distinct().ToListAsync(ct);
        await db.Observations.Where(o => o.SurveyId == surveyId).ExecuteDeleteAsync(ct);
        // The jobs' zips go with their rows (a waiting job's zip would otherwise stay in imports/ for ever).
        var archives = await db.ImportJobs.Where(j => j.SurveyId == surveyId).Select(j => j.ArchivePath).ToListAsync(ct);
        await db.ImportJobs.Where(j => j.SurveyId == surveyId).ExecuteDeleteAsync(ct);
        db.Surveys.Remove(survey);
        await db.SaveChangesAsync(ct);
        var orphans = new List<StoredPhoto>();
        foreach (var sha in shas)
            if (await ReleasePhotoIfUnusedAsync(sha, ct) is { } orphan) orphans.Add(orphan);
        await transaction.CommitAsync(ct);
        foreach (var orphan in orphans) files.Delete(orphan.Sha256, orphan.Extension);
        foreach (var archive in archives) paths.DeleteImportArchive(archive);
        return true;
    }

    private async Task<StoredPhoto?> ReleasePhotoIfUnusedAsync(string? sha256, CancellationToken ct)
    {
        if (sha256 is null) return null;
        if (await db.Observations.AnyAsync(o => o.PhotoSha256 == sha256, ct)) return null;
        var photo = await db.Photos.FirstOrDefaultAsync(p => p.Sha256 == sha256, ct);
        if (photo is null) return null;
        db.Photos.Remove(photo);
        await db.SaveChangesAsync(ct);
        return photo;
    }

    private Observation Build(ObservationInput input, PhotoFile? file, PhotoMetadata exif)
    {
        // Whole milliseconds, as both providers store them: the answer to an upload equals what a later read (or a resend) shows.
        var now = DateTimeOffset.FromUnixTimeMilliseconds(clock.GetUtcNow().ToUnixTimeMilliseconds());
        var (takenAt, takenSource) = exif.TakenAt is { } e ? (e, TakenAtSource.Exif)
            : input.ClientTakenAt is { } c ? (c, TakenAtSource.Client)
            : (now, TakenAtSource.Upload);
        var (lat, lon, positionSource) = input.UsePhotoPosition && exif.Latitude is { } elat && exif.Longitude is { } elon ? (elat, elon, PositionSource.Exif)
            : input.ClientLatitude is { } clat && input.ClientLongitude is { } clon ? (clat, clon, PositionSource.Client)
            : ((double?)null, (double?)null, PositionSource.None);
        var model = input.Model;
        var device = input.Device;
        return new Observation
        {
            Id = Guid.NewGuid(),
            Source = input.Source,
            SurveyId = input.SurveyId,
            PhotoSha256 = file?.Sha256,
            OriginalName = Trim(input.OriginalName, 260),
            Crop = input.Crop,
            TakenAt = DateTimeOffset.FromUnixTimeMilliseconds(takenAt.ToUnixTimeMilliseconds()),
            TakenAtSource = takenSource,
            Latitude = lat,
            Longitude = lon,
            PositionSource = positionSource,
            PlotCode = Trim(input.PlotCode, 100),
            PlotId = input.PlotId,
            Commune = Trim(input.Commune, 100),
            Officer = input.Officer,
            IdempotencyKey = input.SurveyId is null ? null : input.IdempotencyKey,
            ModelVersion = model?.Version,
            ModelLabel = model?.Label,
            ModelConfidence = model?.Confidence,
            ModelSeverity = model?.Severity,
            ModelStatus = model?.Status,
            ModelError = Trim(model?.Error, 1000),
            Notes = input.Notes,
            FarmerVerdict = input.FarmerVerdict,
            FarmerLabel = input.FarmerLabel,
            ClientId = input.ClientId,
            DeviceModelVersion = device?.Version,
            DeviceLabel = device?.Label,
            DeviceConfidence = device?.Confidence,
            DeviceSeverity = device?.Severity,
            DeviceStatus = device?.Status,
            DeviceProbabilities = device?.Probabilities,
            CreatedAt = now,
        };
    }

    internal static void Validate(ObservationInput input)
    {
        if (string.IsNullOrWhiteSpace(input.Crop)) throw new FieldStoreValidationException("The crop is required.");
        if (input.Source == ObservationSource.Survey && input.SurveyId is null) throw new FieldStoreValidationException("A survey observation needs its survey.");
        if (input.Source == ObservationSource.FarmerFeedback && input.SurveyId is not null) throw new FieldStoreValidationException("Farmer feedback belongs to no survey.");
        if ((input.ClientLatitude is null) != (input.ClientLongitude is null))
            throw new FieldStoreValidationException("Give both latitude and longitude, or neither.");
        if (input.ClientLatitude is { } lat && input.ClientLongitude is { } lon && !Positions.IsValid(lat, lon))
            throw new FieldStoreValidationException($"Position {lat}, {lon} is out of range (latitude -90..90, longitude -180..180).");
        if (input.Device is not null && input.Source != ObservationSource.FarmerFeedback)
            throw new FieldStoreValidationException("Only a farmer's phone answers on the device.");
        if (input.Device?.Probabilities?.Length > MaxTextLength)
            throw new FieldStoreValidationException($"The phone's probabilities are limited to {MaxTextLength} characters.");
        if (input.Notes?.Length > MaxTextLength) throw new FieldStoreValidationException($"Notes are limited to {MaxTextLength} characters.");
        if (input.IdempotencyKey is { } key && (key.Length == 0 || key.Length > ObservationInput.MaxIdempotencyKeyLength || key.Any(char.IsControl)))
            throw new FieldStoreValidationException($"An idempotency key is 1 to {ObservationInput.MaxIdempotencyKeyLength} printable characters.");
        if (input.PlotCode?.Length > 100) throw new FieldStoreValidationException("The plot code is limited to 100 characters.");
    }

    private static string? Trim(string? text, int max) => string.IsNullOrWhiteSpace(text) ? null : text.Length <= max ? text.Trim() : text[..max];
}
