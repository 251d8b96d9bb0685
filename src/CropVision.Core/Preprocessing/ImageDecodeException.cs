namespace CropVision.Core.Preprocessing;

/// <summary>Why an image could not be turned into a tensor. Callers map these to user-facing errors (HTTP 400/413/415, a skipped-file list).</summary>
public enum ImageProblem { Empty, UnsupportedFormat, Corrupt, TooManyPixels }

public sealed class ImageDecodeException(ImageProblem problem, string message) : Exception(message)
{
    public ImageProblem Problem { get; } = problem;
}
