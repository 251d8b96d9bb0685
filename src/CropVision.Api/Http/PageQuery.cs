using Microsoft.AspNetCore.Http.HttpResults;

namespace CropVision.Api.Http;

/// <summary>?page (from 1) and ?pageSize (1..<see cref="MaxPageSize"/>, 50 unless given) of a paged list; bound with [AsParameters].</summary>
public sealed record PageQuery(int? Page, int? PageSize)
{
    public const int MaxPageSize = 200;

    /// <summary>The page and its size, or null when either is out of range.</summary>
    public (int Page, int Size)? Resolve()
    {
        int p = Page ?? 1, size = PageSize ?? 50;
        return p < 1 || size < 1 || size > MaxPageSize ? null : (p, size);
    }

    public static ProblemHttpResult Invalid() =>
        Problems.Create(StatusCodes.Status400BadRequest, "Bad paging", $"page starts at 1; pageSize is 1..{MaxPageSize}.");
}
