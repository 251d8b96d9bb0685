namespace CropVision.Tests.Browser;

/// <summary>Finds a farmer's verdict in the field store (issue 8) of a running service.</summary>
public static class FeedbackStoreProbe
{
    public static Task AssertStoredAsync(KestrelService service, string crop, string verdict, string? farmerLabel, string modelLabel) =>
        throw new NotImplementedException("Reads the field store once branch issue-8 (CropVision.FieldStore) is merged.");
}
