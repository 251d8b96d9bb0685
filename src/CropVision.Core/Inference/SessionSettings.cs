using Microsoft.ML.OnnxRuntime;

namespace CropVision.Core.Inference;

/// <summary>ONNX Runtime session settings, chosen on purpose rather than left to defaults.</summary>
public sealed record SessionSettings
{
    /// <summary>Threads inside one operator; 0 lets ONNX Runtime use one per physical core.</summary>
    public int IntraOpThreads { get; init; } = 0;
    public GraphOptimizationLevel Optimization { get; init; } = GraphOptimizationLevel.ORT_ENABLE_ALL;
    /// <summary>Run on the CUDA execution provider (device <see cref="CudaDeviceId"/>); creating the session fails if it cannot load.</summary>
    public bool UseCuda { get; init; }
    public int CudaDeviceId { get; init; }
    /// <summary>Folder for graphs ONNX Runtime has already optimized, so a restart skips that work; null disables it.</summary>
    public string? OptimizedModelCache { get; init; }

    /// <summary>
    /// Let idle ONNX Runtime worker threads spin waiting for work. Fastest for a lone benchmark; in a service the
    /// spinning steals cores from decoding and HTTP, so the service turns it off.
    /// </summary>
    public bool AllowSpinning { get; init; } = true;

    public string ProviderName => UseCuda ? "CUDA" : "CPU";

    public SessionOptions Create()
    {
        var o = new SessionOptions
        {
            GraphOptimizationLevel = Optimization,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = IntraOpThreads,
            InterOpNumThreads = 1,
        };
        if (!AllowSpinning)
        {
            o.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
            o.AddSessionConfigEntry("session.inter_op.allow_spinning", "0");
        }
        try
        {
            if (UseCuda) o.AppendExecutionProvider_CUDA(CudaDeviceId);
        }
        catch
        {
            o.Dispose();
            throw;
        }
        return o;
    }
}
