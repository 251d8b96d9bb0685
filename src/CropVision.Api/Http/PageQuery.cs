using Microsoft.AspNetCore.Http.HttpResults;

namespace CropVision.Api.Http;

/// <summary>?page (1..<see cref="MaxPage"/>) and ?pageSize (1..<see cref="MaxPageSize"/>, 50 unless given) of a paged list; bound with [AsParameters].</summary>
public sealed record PageQuery(int? Page, int? PageSize)
{
    public const int MaxPageSize = 200;
    /// <summary>Bounds the offset: (page - 1) * size stays far below int.MaxValue, so a huge page cannot wrap round to page 1.</summary>
    public const int MaxPage = 1_000_000;

    /// <summary>The page, its size and the rows to skip, or null when either is out of range.</summary>
    public (int Page, int Size, int Skip)? Resolve()
    {
        int p = Page ?? 1, size = PageSize ?? 50;
        if (p < 1 || p > MaxPage || size < 1 || size > MaxPageSize) return null;
        return (p, size, checked((p - 1) * size));
    }

    public static ProblemHttpResult Invalid() =>
        Problems.Create(StatusCodes.Status400BadRequest, "Bad paging", $"page is 1..{MaxPage:D}; pageSize is 1..{MaxPageSize}.");
}
