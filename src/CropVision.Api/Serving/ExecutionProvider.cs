using CropVision.Api.Configuration;
using Microsoft.ML.OnnxRuntime;

namespace CropVision.Api.Serving;

/// <summary>The execution provider in use and, when CUDA was wanted but is not used, why.</summary>
public sealed record ExecutionProvider(string Name, string Requested, string? FallbackReason)
{
    public bool IsCuda => Name == "CUDA";

    /// <summary>What ONNX Runtime 1.31's CUDA provider needs (CUDA 13, cuDNN 9): named in the fallback reason when absent.</summary>
    private static readonly string[] CudaLibraries = ["libcudart.so.13", "libcublasLt.so.13", "libcudnn.so.9"];

    /// <summary>
    /// Decides once at start-up. ONNX Runtime lists CUDA as "available" wherever the CUDA build is installed, so the
    /// only honest test is to load the provider: appending it loads its library and throws when CUDA or cuDNN is missing.
    /// </summary>
    public static ExecutionProvider Choose(InferenceOptions options, ILogger logger)
    {
        var requested = options.Device.Trim().ToLowerInvariant();
        if (requested is not ("auto" or "cuda" or "cpu"))
            throw new InvalidOperationException($"Inference:Device is '{options.Device}'; use auto, cuda or cpu.");
        if (requested == "cpu") return new("CPU", requested, null);
        try
        {
            using var probe = new Microsoft.ML.OnnxRuntime.SessionOptions();
            probe.AppendExecutionProvider_CUDA(options.CudaDeviceId);
            logger.LogInformation("Execution provider: CUDA (device {Device}).", options.CudaDeviceId);
            return new("CUDA", requested, null);
        }
        catch (Exception e) when (e is OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException)
        {
            var missing = CudaLibraries.Where(l => !System.Runtime.InteropServices.NativeLibrary.TryLoad(l, out _)).ToList();
            var reason = $"CUDA could not be loaded: {e.Message.Trim()}" + (missing.Count > 0 ? $" (missing: {string.Join(", ", missing)})" : "");
            if (requested == "cuda")
                throw new InvalidOperationException($"Inference:Device is 'cuda' but {reason}. Install CUDA 13 and cuDNN 9, or set Inference:Device to auto or cpu.", e);
            logger.LogWarning("Execution provider: falling back to CPU. {Reason}", reason);
            return new("CPU", requested, reason);
        }
    }
}
