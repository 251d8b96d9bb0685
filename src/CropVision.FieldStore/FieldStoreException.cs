namespace CropVision.FieldStore;

/// <summary>Input the store refuses (the API answers it as a 400/422 problem).</summary>
public sealed class FieldStoreValidationException(string message) : Exception(message);
