using Microsoft.AspNetCore.Diagnostics;
using Microsoft.EntityFrameworkCore;

namespace CropVision.Api.Http;

/// <summary>
/// A write that lost a race in the database (the row was changed or deleted meanwhile, or a unique value was taken
/// by another request) is a 409 problem, not a 500: the client can reload and try again.
/// </summary>
public sealed class StoreConflictHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        if (exception is not DbUpdateException) return false;
        http.Response.StatusCode = StatusCodes.Status409Conflict;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status409Conflict,
                Title = "Changed meanwhile",
                Detail = exception is DbUpdateConcurrencyException
                    ? "What you changed was changed or deleted by someone else meanwhile. Reload and try again."
                    : "Another request stored a conflicting value at the same time. Reload and try again.",
            },
        });
    }
}
