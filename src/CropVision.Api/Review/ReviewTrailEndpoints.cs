using CropVision.Api.Accounts;
using CropVision.Api.Surveys;
using CropVision.FieldStore.Model;
using CropVision.FieldStore.Observations;
using Microsoft.AspNetCore.Http.HttpResults;
using static CropVision.Api.Http.Problems;

namespace CropVision.Api.Review;

public sealed record VerdictView(bool Reviewed, string? Label, string? Severity);
public sealed record ReviewEventView(long Id, string Kind, string By, DateTimeOffset At, VerdictView From, VerdictView To, string? Comment, long? Undoes)
{
    public static ReviewEventView Of(ReviewEvent e) => new(e.Id, e.Kind.ToString().ToLowerInvariant(), e.By, e.At,
        new(e.FromReviewed, e.FromLabel, e.FromSeverity), new(e.ToReviewed, e.ToLabel, e.ToSeverity), e.Comment, e.UndoesEventId);
}
public sealed record ReviewTrailView(Guid ObservationId, IReadOnlyList<ReviewEventView> Events);
/// <summary>POST .../reviews/undo body (optional): why.</summary>
public sealed record UndoRequest(string? Comment);
/// <summary>The undo's answer: the observation as it is now and the event that undid.</summary>
public sealed record UndoView(ObservationView Observation, ReviewEventView Event);

/// <summary>
/// An observation's review trail (GET .../reviews) and undo (POST .../reviews/undo), mapped on the survey's observations
/// and on the review queue; <c>find</c> loads the observation tracked, within what the caller may reach (or null: 404).
/// </summary>
public static class ReviewTrailEndpoints
{
    public static RouteGroupBuilder MapReviewTrail(this RouteGroupBuilder group, Func<HttpContext, Guid, Task<Observation?>> find, string path, string name)
    {
        group.MapGet(path, async Task<Results<Ok<ReviewTrailView>, ProblemHttpResult>> (Guid observationId, HttpContext http, ReviewTrail trail) =>
            await find(http, observationId) is { } o
                ? TypedResults.Ok(new ReviewTrailView(o.Id, [.. (await trail.ListAsync(o.Id, http.RequestAborted)).Select(ReviewEventView.Of)]))
                : NotFound(observationId))
            .WithName($"{name}ReviewTrail").WithSummary("The observation's review trail: every verdict, clear and undo, oldest first");
        group.MapPost(path + "/undo", async Task<Results<Ok<UndoView>, ProblemHttpResult>> (Guid observationId, UndoRequest? body, HttpContext http, ReviewTrail trail,
            CurrentOfficer officer) =>
        {
            if (body?.Comment?.Length > ReviewTrail.MaxComment) return Create(StatusCodes.Status400BadRequest, "Text too long", "A comment is at most 1000 characters.");
            if (await find(http, observationId) is not { } o) return NotFound(observationId);
            if (await trail.UndoAsync(o, officer.UserName, body?.Comment, http.RequestAborted) is not { } undo)
                return Create(StatusCodes.Status409Conflict, "Nothing to undo", "This observation's review trail has no step left to undo.");
            return TypedResults.Ok(new UndoView(ObservationView.From(o), ReviewEventView.Of(undo)));
        }).WithName($"{name}UndoReview").WithSummary("Undo the latest review step not undone yet: a new event restores the verdict before it");
        return group;
    }

    private static ProblemHttpResult NotFound(Guid id) =>
        Create(StatusCodes.Status404NotFound, "No such observation", $"Observation {id} does not exist or is out of your reach.");
}
