namespace CropVision.Learning.Data;

/// <summary>A problem with the user's data folder that they must fix; printed as a clear message, never a stack trace.</summary>
public sealed class DatasetException(string message) : Exception(message);
