using TorchSharp;

namespace CropVision.FineTuning.Torch;

/// <summary>One place that loads LibTorch and sets its threads, so callers need not know TorchSharp's entry points.</summary>
public static class TorchRuntime
{
    /// <summary>Loads LibTorch (throws with the loader's message when it cannot) and limits its intra-op threads.</summary>
    public static void Initialize(int threads)
    {
        torch.InitializeDeviceType(DeviceType.CPU);
        torch.set_num_threads(threads);
    }
}
