using System.IO.Compression;
using CropVision.Api.Surveys;
using CropVision.Core.Preprocessing;
using CropVision.FieldStore;
using CropVision.FieldStore.Infrastructure;
using CropVision.FieldStore.Model;
using CropVision.FieldStore.Observations;
using CropVision.FieldStore.Plots;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CropVision.Api.Jobs;

/// <summary>
/// Runs import jobs in the background. A job is claimed with a lease; each zip entry's observation is committed in the
/// same transaction as the job's progress (next entry, counts), so a killed service resumes at the first entry not
/// committed, and the unique (survey, photo) index makes a repeated entry a duplicate, never a second observation.
/// Several processes on one database share the work: a job whose lease lapsed (its process died) is taken over.
/// </summary>
public sealed class ImportWorker(IServiceProvider services, IOptions<ImportOptions> options, FieldStorePaths paths, ImportSignal signal,
    TimeProvider clock, ILogger<ImportWorker> log) : BackgroundService
{
    /// <summary>How long to wait for a busy model per photo before trying again (imports are patient; the queue is for people).</summary>
    private const int BusyWaits = 40;
    private readonly string _owner = Clip($"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}", 200);
    private TimeSpan Lease => TimeSpan.FromSeconds(Math.Max(1, options.Value.LeaseSeconds));
    /// <summary>A zip is moved into imports/ just before its job's row commits, so the sweep spares young files.</summary>
    public static readonly TimeSpan SweepGrace = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        await Task.Yield();
        try { await SweepArchivesAsync(stopping); }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested) { return; }
        catch (Exception e) { log.LogError(e, "Could not sweep unused import zips"); }
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var job = await ClaimAsync(stopping);
                if (job is not null) { await RunAsync(job.Value, stopping); continue; }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested) { return; }
            catch (Exception e)
            {
                log.LogError(e, "Import worker error; retrying");
            }
            try { await signal.WaitAsync(TimeSpan.FromSeconds(Math.Max(1, options.Value.PollSeconds)), stopping); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>Claims the oldest queued job, or a running one whose lease lapsed; the conditional update makes the claim atomic across processes.</summary>
    private async Task<Guid?> ClaimAsync(CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<FieldStoreContext>();
        var now = clock.GetUtcNow();
        var candidates = await db.ImportJobs.AsNoTracking()
            .Where(j => j.State == ImportJobState.Queued || j.State == ImportJobState.Running)
            .OrderBy(j => j.CreatedAt).Select(j => new { j.Id, j.LeaseOwner, j.LeaseUntil }).Take(20).ToListAsync(ct);
        foreach (var job in candidates)
        {
            bool lapsed = job.LeaseUntil is null || job.LeaseUntil < now;
            // A claim held by a dead process on this machine (a crash, then a restart) is taken over at once, not after its lease.
            if (!lapsed && !HeldByDeadLocalProcess(job.LeaseOwner)) continue;
            var until = now + Lease;
            var previousOwner = job.LeaseOwner;
            var claimed = await db.ImportJobs
                .Where(j => j.Id == job.Id && (j.State == ImportJobState.Queued || j.State == ImportJobState.Running) && j.LeaseOwner == previousOwner
                            && (lapsed ? j.LeaseUntil == null || j.LeaseUntil < now : true))
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.State, ImportJobState.Running).SetProperty(j => j.LeaseOwner, _owner)
                    .SetProperty(j => j.LeaseUntil, until).SetProperty(j => j.UpdatedAt, now), ct);
            if (claimed == 1) return job.Id;
        }
        return null;
    }

    /// <summary>An owner "machine:pid:guid" of this machine whose process is gone (or is this process under another claim).</summary>
    private bool HeldByDeadLocalProcess(string? owner)
    {
        var parts = owner?.Split(':');
        if (parts is not { Length: 3 } || parts[0] != Environment.MachineName || !int.TryParse(parts[1], out var pid) || owner == _owner) return false;
        if (pid == Environment.ProcessId) return true; // a restarted container often gets the same pid: the claim is an older life's
        try { using var process = System.Diagnostics.Process.GetProcessById(pid); return process.HasExited; }
        catch (ArgumentException) { return true; }
        catch (InvalidOperationException) { return true; }
    }

    /// <summary>
    /// Deletes zips in imports/ that no waiting or running job references: left by a crash, by a survey deleted before
    /// its zip went with it, or by a job that ended while its zip could not be deleted.
    /// </summary>
    private async Task SweepArchivesAsync(CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<FieldStoreContext>();
        var waiting = await db.ImportJobs.AsNoTracking().Where(j => j.State == ImportJobState.Queued || j.State == ImportJobState.Running)
            .Select(j => j.ArchivePath).ToListAsync(ct);
        var referenced = waiting.Select(paths.Resolve).ToHashSet(StringComparer.Ordinal);
        var cutoff = (clock.GetUtcNow() - SweepGrace).UtcDateTime;
        int removed = 0;
        foreach (var zip in Directory.EnumerateFiles(paths.Imports, "*.zip"))
            if (!referenced.Contains(zip) && File.GetLastWriteTimeUtc(zip) < cutoff && paths.DeleteImportArchive(zip)) removed++;
        if (removed > 0) log.LogInformation("Deleted {Count} import zips no job was waiting for", removed);
    }

    private async Task RunAsync(Guid jobId, CancellationToken ct)
    {
        ImportJob? job;
        Survey? survey;
        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<FieldStoreContext>();
            job = await db.ImportJobs.AsNoTracking().FirstOrDefaultAsync(j => j.Id == jobId, ct);
            if (job is null) return; // its survey was deleted since the claim, and the zip with it
            survey = await db.Surveys.AsNoTracking().FirstOrDefaultAsync(s => s.Id == job.SurveyId, ct);
        }
        if (survey is null) { await FinishAsync(jobId, ImportJobState.Failed, "The survey was deleted.", ct); return; }
        var archivePath = paths.Resolve(job.ArchivePath);
        if (!File.Exists(archivePath)) { await FinishAsync(jobId, ImportJobState.Failed, "The uploaded zip is missing from the data folder.", ct); return; }

        log.LogInformation("Import {Job}: {Next}/{Total} entries done, continuing", jobId, job.NextEntry, job.TotalEntries);
        var limits = options.Value;
        using (var zip = ZipFile.OpenRead(archivePath))
        {
            var entries = zip.Entries;
            var plotOf = ImportPlots.Assign(zip, job.DefaultPlot);
            IReadOnlyDictionary<string, Plot> plots;
            try { plots = await EnsurePlotsAsync(job, survey.Team, plotOf, ct); }
            catch (LeaseLostException) { log.LogWarning("Import {Job}: another process took the job over", jobId); return; }
            long totalRead = 0;
            for (int i = 0; i < entries.Count; i++)
            {
                var entry = entries[i];
                if (i < job.NextEntry) { totalRead += Math.Max(0, entry.Length); continue; }
                ct.ThrowIfCancellationRequested();
                if (ImportArchive.IsNoise(entry) || ImportPlots.IsSidecar(entry)) { await ProgressAsync(jobId, i, null, null, ct); continue; }
                byte[] bytes;
                try { bytes = ImportArchive.Read(entry, limits, ref totalRead); }
                catch (EntryRefusedException e) { await ProgressAsync(jobId, i, entry.FullName, e.Message, ct); continue; }
                catch (ArchiveRefusedException e) { await FinishAsync(jobId, ImportJobState.Failed, e.Message, ct); return; }
                catch (InvalidDataException e) { await ProgressAsync(jobId, i, entry.FullName, $"Damaged in the zip: {e.Message}", ct); continue; }

                await using var scope = services.CreateAsyncScope();
                var intake = scope.ServiceProvider.GetRequiredService<ObservationIntake>();
                var input = new ObservationInput
                {
                    Crop = survey.Crop, SurveyId = survey.Id, OriginalName = entry.FullName, Commune = survey.Commune, Officer = job.Officer,
                };
                if (plotOf.TryGetValue(entry.FullName, out var code) && plots.TryGetValue(code, out var plot))
                    input = input with { PlotCode = plot.Code, PlotId = plot.Id, Commune = plot.Commune ?? survey.Commune };
                int index = i;
                try
                {
                    await intake.AddAsync(input, bytes, BusyWaits, ct, (db, duplicate) => CountAsync(db, jobId, index, duplicate, ct));
                }
                catch (ImageDecodeException e) { await ProgressAsync(jobId, i, entry.FullName, e.Message, ct); }
                catch (FieldStoreValidationException e) { await ProgressAsync(jobId, i, entry.FullName, e.Message, ct); }
                catch (LeaseLostException) { log.LogWarning("Import {Job}: another process took the job over", jobId); return; }
            }
        }
        await FinishAsync(jobId, ImportJobState.Completed, null, ct);
    }

    /// <summary>
    /// Finds or creates the plots the zip names (in the survey's team); the first run records on the job which it
    /// created and which it used (a resumed run finds them all and keeps that record).
    /// </summary>
    private async Task<IReadOnlyDictionary<string, Plot>> EnsurePlotsAsync(ImportJob job, string team, Dictionary<string, string> plotOf, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<PlotStore>();
        var (byCode, created) = await store.EnsureAsync(team, plotOf.Values, job.Officer, ct);
        if (job.PlotsUsed is not null) return byCode;
        var db = scope.ServiceProvider.GetRequiredService<FieldStoreContext>();
        var row = await db.ImportJobs.FirstOrDefaultAsync(j => j.Id == job.Id, ct);
        if (row?.LeaseOwner != _owner) throw new LeaseLostException();
        row.PlotsCreated = string.Join('\n', created.Order(StringComparer.Ordinal));
        row.PlotsUsed = string.Join('\n', plotOf.Values.Distinct().Order(StringComparer.Ordinal));
        Touch(row);
        await db.SaveChangesAsync(ct);
        return byCode;
    }

    /// <summary>Counts an imported entry, in the observation's own transaction (also renews the lease).</summary>
    private async Task CountAsync(FieldStoreContext db, Guid jobId, int index, bool duplicate, CancellationToken ct)
    {
        var job = await db.ImportJobs.FirstOrDefaultAsync(j => j.Id == jobId, ct);
        if (job?.LeaseOwner != _owner) throw new LeaseLostException(); // taken over, or deleted with its survey
        if (index < job.NextEntry) return; // already counted (never happens with one owner; kept safe)
        job.NextEntry = index + 1;
        if (duplicate) job.Duplicates++; else job.Added++;
        SurveyMetrics.Count("import", duplicate);
        Touch(job);
    }

    /// <summary>Moves past an entry that adds nothing: skipped noise, or a bad file listed with its reason.</summary>
    private async Task ProgressAsync(Guid jobId, int index, string? name, string? reason, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<FieldStoreContext>();
        var job = await db.ImportJobs.FirstOrDefaultAsync(j => j.Id == jobId, ct);
        if (job?.LeaseOwner != _owner) throw new LeaseLostException();
        if (index < job.NextEntry) return;
        job.NextEntry = index + 1;
        if (reason is not null)
        {
            job.FailedEntries++;
            SurveyMetrics.Count("import", null);
            db.ImportJobProblems.Add(new ImportJobProblem { JobId = jobId, EntryIndex = index, EntryName = Clip(name ?? "?", 500), Reason = Clip(reason, 1000) });
        }
        Touch(job);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Ends a job and deletes its zip: a finished job, completed or failed, never reads it again.</summary>
    private async Task FinishAsync(Guid jobId, ImportJobState state, string? error, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<FieldStoreContext>();
        var job = await db.ImportJobs.FirstOrDefaultAsync(j => j.Id == jobId, ct);
        if (job is null) return; // deleted with its survey (the store deleted the zip)
        job.State = state;
        job.Error = error is null ? null : Clip(error, 2000);
        job.CompletedAt = job.UpdatedAt = clock.GetUtcNow();
        job.LeaseOwner = null;
        job.LeaseUntil = null;
        await db.SaveChangesAsync(ct);
        SurveyMetrics.ImportJobs.WithLabels(state.ToString().ToLowerInvariant()).Inc();
        if (File.Exists(paths.Resolve(job.ArchivePath)) && !paths.DeleteImportArchive(job.ArchivePath))
            log.LogWarning("Could not delete the zip of import {Job}; the next start's sweep will", jobId);
        log.LogInformation("Import {Job} {State}: {Added} added, {Duplicates} duplicates, {Failed} bad files", jobId, state, job.Added, job.Duplicates, job.FailedEntries);
    }

    private void Touch(ImportJob job)
    {
        job.UpdatedAt = clock.GetUtcNow();
        job.LeaseUntil = job.UpdatedAt + Lease;
    }

    private static string Clip(string s, int max) => s.Length <= max ? s : s[..max];

    private sealed class LeaseLostException : Exception;
}
