using CropVision.Core.Inference;

namespace CropVision.Serving.Registry;

/// <summary>The execution provider in use and, when CUDA was wanted but is not used, why.</summary>
public sealed record ExecutionProvider(string Name, string Requested, string? FallbackReason)
{
    public bool IsCuda => Name == "CUDA";

    /// <summary>Decides once at start-up, from Inference:Device (auto, cuda or cpu).</summary>
    public static ExecutionProvider Choose(InferenceOptions options, ILogger logger)
    {
        var requested = options.Device.Trim().ToLowerInvariant();
        if (requested is not ("auto" or "cuda" or "cpu"))
            throw new InvalidOperationException($"Inference:Device is '{options.Device}'; use auto, cuda or cpu.");
        if (requested == "cpu") return new("CPU", requested, null);
        if (CudaProbe.TryLoad(options.CudaDeviceId, out var reason))
        {
            logger.LogInformation("Execution provider: CUDA (device {Device}).", options.CudaDeviceId);
            return new("CUDA", requested, null);
        }
        if (requested == "cuda")
            throw new InvalidOperationException($"Inference:Device is 'cuda' but {reason}. Install CUDA 13 and cuDNN 9, or set Inference:Device to auto or cpu.");
        // Expected on a machine without a GPU: one plain line, and the reason stays visible in /v1/models, health and metrics.
        logger.LogInformation("Execution provider: CPU ({Reason}).", reason);
        return new("CPU", requested, reason);
    }
}
