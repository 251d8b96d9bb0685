using Onnx;

namespace CropVision.Core.Models;

/// <summary>
/// Reads ONNX files opened for reading, shared with other readers. OnnxSharp's <c>ParseFromFile</c> opens read-write
/// with <see cref="FileShare.None"/>, which .NET on Unix enforces with an exclusive lock on the file: a second service
/// process started from the same install at the same moment (replicas behind a proxy) failed with "The process cannot
/// access the file ... ResNet18.onnx because it is being used by another process"; and a service user that may read
/// but not write the file (the container image's root-owned /app and /app/models) could not open it at all.
/// </summary>
public static class OnnxFile
{
    public static ModelProto Read(string path)
    {
        using var stream = File.OpenRead(path);
        return ModelProto.Parser.ParseFrom(stream);
    }
}
