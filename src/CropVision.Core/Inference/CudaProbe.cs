using Microsoft.ML.OnnxRuntime;

namespace CropVision.Core.Inference;

/// <summary>
/// Whether ONNX Runtime's CUDA provider can be used here. GetAvailableProviders() lists CUDA wherever the CUDA build is
/// installed, so the only honest test is to load the provider: appending it loads its library, and that throws when
/// CUDA or cuDNN is missing.
/// </summary>
public static class CudaProbe
{
    /// <summary>What ONNX Runtime 1.31's CUDA provider needs (CUDA 13, cuDNN 9): named in the reason when absent.</summary>
    private static readonly string[] Libraries = ["libcudart.so.13", "libcublasLt.so.13", "libcudnn.so.9"];

    public static bool TryLoad(int deviceId, out string? reason)
    {
        // Without CUDA's libraries, asking ONNX Runtime would only make it log a red error before it throws: say why here.
        var missing = Libraries.Where(l => !System.Runtime.InteropServices.NativeLibrary.TryLoad(l, out _)).ToList();
        if (missing.Count > 0)
        {
            reason = $"CUDA could not be loaded: no CUDA 13 / cuDNN 9 on this machine (missing: {string.Join(", ", missing)})";
            return false;
        }
        try
        {
            using var probe = new SessionOptions();
            probe.AppendExecutionProvider_CUDA(deviceId);
            reason = null;
            return true;
        }
        catch (Exception e) when (e is OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException)
        {
            reason = $"CUDA could not be loaded: {e.Message.Trim()}";
            return false;
        }
    }
}
