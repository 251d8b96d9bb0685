using CropVision.Api.Accounts;
using CropVision.Api.Surveys;
using CropVision.Api.Uploads;
using CropVision.FieldStore;
using CropVision.FieldStore.Infrastructure;
using CropVision.FieldStore.Model;
using CropVision.FieldStore.Plots;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using static CropVision.Api.Http.Problems;

namespace CropVision.Api.Jobs;

/// <summary>Bulk import: POST a zip of photos to a survey, follow its job at /v1/jobs/{id}.</summary>
public static class ImportEndpoints
{
    public static IEndpointRouteBuilder MapJobsApi(this IEndpointRouteBuilder app)
    {
        var imports = app.MapGroup("/v1/surveys/{id:guid}/imports").WithTags("Jobs").RequireOfficer().AddEndpointFilter(SurveyAccess.LoadAsync)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        imports.MapPost("/", StartAsync).WithName("StartImport")
            .Accepts<IFormFile>("application/zip", "multipart/form-data")
            .WithSummary("Import a zip of photos in the background (raw application/zip body, or multipart field 'archive'); 202 with the job. " +
                         "Plots: plots.csv at the zip's root (file name; plot code), else the photo's folder, else ?plot=");
        imports.MapGet("/", ListAsync).WithName("ListImports");

        var jobs = app.MapGroup("/v1/jobs").WithTags("Jobs").RequireOfficer().ProducesProblem(StatusCodes.Status404NotFound);
        jobs.MapGet("/{jobId:guid}", GetAsync).WithName("GetJob").WithSummary("A job's progress: entries processed of total, added, duplicates, bad files and why");
        return app;
    }

    private static async Task<Results<Accepted<ImportJobView>, ProblemHttpResult>> StartAsync(Guid id, HttpContext http, FieldStoreContext db, CurrentOfficer officer,
        FieldStorePaths paths, IOptions<ImportOptions> options, ImportSignal signal, TimeProvider clock, string? plot = null)
    {
        var ct = http.RequestAborted;
        var limits = options.Value;
        var survey = http.Survey();
        if (survey.IsClosed) return SurveyAccess.Closed(survey);
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = limits.MaxArchiveBytes;
        if (http.Request.ContentLength > limits.MaxArchiveBytes) return TooLarge(limits);

        var temp = paths.NewTempFile();
        try
        {
            string? name;
            try { name = await ReceiveAsync(http.Request, temp, limits, ct); }
            catch (ArchiveRefusedException e) { return Create(e.Status, e.Title, e.Message); }
            int entries;
            try { entries = ImportArchive.Inspect(temp, limits); }
            catch (ArchiveRefusedException e) { return Create(e.Status, e.Title, e.Message); }
            int photos;
            using (var zip = System.IO.Compression.ZipFile.OpenRead(temp)) photos = ImportPlots.CountPhotos(zip);
            string? defaultPlot;
            try { defaultPlot = PlotStore.NormalizeCode(plot); }
            catch (FieldStoreValidationException e) { return Create(StatusCodes.Status400BadRequest, "Bad plot", e.Message); }

            var now = clock.GetUtcNow();
            var job = new ImportJob
            {
                Id = Guid.NewGuid(), SurveyId = id, Officer = officer.UserName, ArchiveName = Path.GetFileName(name), State = ImportJobState.Queued,
                TotalEntries = entries, TotalPhotos = photos, DefaultPlot = defaultPlot, CreatedAt = now, UpdatedAt = now, ArchivePath = "",
            };
            job.ArchivePath = Path.Combine("imports", $"{job.Id:N}.zip");
            File.Move(temp, paths.Resolve(job.ArchivePath)); // in place before the row that points at it is committed
            db.ImportJobs.Add(job);
            await db.SaveChangesAsync(ct);
            signal.Notify();
            return TypedResults.Accepted($"/v1/jobs/{job.Id}", ImportJobView.From(job));
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Streams the zip to a temporary file (raw body, or the first file part of a multipart form); returns the client's file name.</summary>
    private static async Task<string?> ReceiveAsync(HttpRequest request, string temp, ImportOptions limits, CancellationToken ct)
    {
        var contentType = request.ContentType ?? "";
        await using var file = new FileStream(temp, FieldStorePaths.PrivateNewFile(FileOptions.Asynchronous)); // 0600: photos carry GPS
        if (contentType.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase))
        {
            var (boundary, error) = MultipartBoundary.From(contentType);
            if (boundary is null) throw new ArchiveRefusedException(StatusCodes.Status400BadRequest, "Malformed multipart", error!);
            var reader = new MultipartReader(boundary, request.Body) { BodyLengthLimit = limits.MaxArchiveBytes };
            try
            {
                for (var section = await reader.ReadNextSectionAsync(ct); section is not null; section = await reader.ReadNextSectionAsync(ct))
                {
                    if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var d) || !d.FileName.HasValue && !d.FileNameStar.HasValue) continue;
                    await CopyLimitedAsync(section.Body, file, limits, ct);
                    await file.FlushAsync(ct);
                    return HeaderUtilities.RemoveQuotes(d.FileName.HasValue ? d.FileName : d.FileNameStar).Value;
                }
            }
            catch (InvalidDataException) { throw new ArchiveRefusedException(StatusCodes.Status413PayloadTooLarge, "Zip too large", $"The upload exceeds {limits.MaxArchiveBytes:N0} bytes."); }
            catch (IOException e) { throw new ArchiveRefusedException(StatusCodes.Status400BadRequest, "Malformed multipart", e.Message); }
            throw new ArchiveRefusedException(StatusCodes.Status400BadRequest, "No zip", "The form has no file part (send the zip as field 'archive').");
        }
        if (contentType.Length > 0 && !contentType.Contains("zip", StringComparison.OrdinalIgnoreCase) && !contentType.StartsWith("application/octet-stream", StringComparison.OrdinalIgnoreCase))
            throw new ArchiveRefusedException(StatusCodes.Status415UnsupportedMediaType, "Not a zip", $"Send the zip as application/zip (or multipart field 'archive'), not '{contentType}'.");
        await CopyLimitedAsync(request.Body, file, limits, ct);
        if (file.Length == 0) throw new ArchiveRefusedException(StatusCodes.Status400BadRequest, "No zip", "The request body is empty.");
        await file.FlushAsync(ct);
        return null;
    }

    private static async Task CopyLimitedAsync(Stream from, Stream to, ImportOptions limits, CancellationToken ct)
    {
        var chunk = new byte[81920];
        long total = 0;
        int n;
        while ((n = await from.ReadAsync(chunk, ct)) > 0)
        {
            total += n;
            if (total > limits.MaxArchiveBytes) throw new ArchiveRefusedException(StatusCodes.Status413PayloadTooLarge, "Zip too large", $"The upload exceeds {limits.MaxArchiveBytes:N0} bytes.");
            await to.WriteAsync(chunk.AsMemory(0, n), ct);
        }
    }

    private static ProblemHttpResult TooLarge(ImportOptions limits) =>
        Create(StatusCodes.Status413PayloadTooLarge, "Zip too large", $"The upload exceeds {limits.MaxArchiveBytes:N0} bytes.");

    /// <summary>The survey's imports, newest first (the survey filter has checked the team).</summary>
    private static async Task<Ok<List<ImportJobView>>> ListAsync(Guid id, FieldStoreContext db, CancellationToken ct)
    {
        var jobs = await db.ImportJobs.AsNoTracking().Include(j => j.Problems).Where(j => j.SurveyId == id).ToListAsync(ct);
        return TypedResults.Ok(jobs.OrderByDescending(j => j.CreatedAt).Select(ImportJobView.From).ToList());
    }

    private static async Task<Results<Ok<ImportJobView>, ProblemHttpResult>> GetAsync(Guid jobId, FieldStoreContext db, CurrentOfficer officer, CancellationToken ct)
    {
        var job = await db.ImportJobs.AsNoTracking().Include(j => j.Problems).FirstOrDefaultAsync(j => j.Id == jobId, ct);
        if (job is null || !await db.Surveys.Visible(officer).AnyAsync(s => s.Id == job.SurveyId, ct))
            return Create(StatusCodes.Status404NotFound, "No such job", $"Job {jobId} does not exist or belongs to another team's survey.");
        return TypedResults.Ok(ImportJobView.From(job));
    }
}

/// <summary>Wakes the import worker when a job is queued (it also polls, for jobs queued by other processes).</summary>
public sealed class ImportSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);
    public void Notify()
    {
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
        }
    }
    public Task WaitAsync(TimeSpan timeout, CancellationToken ct) => _signal.WaitAsync(timeout, ct);
}
