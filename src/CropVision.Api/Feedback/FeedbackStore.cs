namespace CropVision.Api.Feedback;

/// <summary>Writes a validated verdict to the field store (CropVision.FieldStore, issue 8).</summary>
internal static class FeedbackStore
{
    /// <summary>The stored observation's id. Until the field store lands, nothing can be stored: the caller gets 503.</summary>
    public static Task<string> SaveAsync(IServiceProvider services, FeedbackSubmission submission, DateTimeOffset receivedAt, CancellationToken ct) =>
        throw new FeedbackStoreUnavailableException();
}

internal sealed class FeedbackStoreUnavailableException() : Exception("The field store is not available yet.");
