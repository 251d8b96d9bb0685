using System.ComponentModel.DataAnnotations;

namespace CropVision.Serving;

/// <summary>"Models" section: where model versions live and which version serves.</summary>
public sealed class ModelsOptions
{
    public const string Section = "Models";
    /// <summary>The model repository (models/&lt;crop&gt;/&lt;version&gt;/), relative to the content root.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Folder { get; set; } = "../../models";
    /// <summary>Crop to version; crops not listed serve their newest version.</summary>
    public Dictionary<string, int> Pinned { get; set; } = [];
    /// <summary>Reload a crop when files under its folder change.</summary>
    public bool WatchForChanges { get; set; } = true;
    /// <summary>Crop to a candidate version run in shadow beside the serving one (its answers are recorded, never sent).</summary>
    public Dictionary<string, int> Shadow { get; set; } = [];
    /// <summary>Share of live photos (0..1) the shadow candidate also sees, when the serving queue is idle.</summary>
    [Range(0.0, 1.0)]
    public double ShadowShare { get; set; } = 0.1;
}

/// <summary>"Inference" section: execution provider, session and dynamic batching.</summary>
public sealed class InferenceOptions
{
    public const string Section = "Inference";
    /// <summary>auto (CUDA when it loads, else CPU with the reason shown), cuda (refuse to start without it) or cpu.</summary>
    public string Device { get; set; } = "auto";
    [Range(0, 64)]
    public int CudaDeviceId { get; set; }
    /// <summary>Threads per operator on the CPU; 0 = one per core.</summary>
    [Range(0, 1024)]
    public int IntraOpThreads { get; set; }
    /// <summary>A batch runs when it holds this many images (0 = by provider: 4 on the CPU, 32 on CUDA)...</summary>
    [Range(0, 4096)]
    public int MaxBatchSize { get; set; }
    /// <summary>
    /// ...or when its oldest image has waited this long (as Triton's max_queue_delay_microseconds; -1 = by provider:
    /// 0 on the CPU, where a batch gains nothing and requests that arrive during a batch form the next one anyway;
    /// 2000 on CUDA, where a fuller batch costs little more than one image).
    /// </summary>
    [Range(-1, 10_000_000)]
    public int MaxQueueDelayMicroseconds { get; set; } = -1;
    /// <summary>Images waiting per model; beyond it requests get 503 with Retry-After at once.</summary>
    [Range(1, 1_000_000)]
    public int QueueCapacity { get; set; } = 64;
    /// <summary>
    /// Refuse (503) a new photo whose answer would come later than this after it is queued (the batcher's estimate: the
    /// batch being computed, the batches waiting, its own); 0 = only the capacity limits. 5 s by default, chosen from the
    /// farmer's side: on 3G a photo takes about 5 s to upload, and a refusal costs the farmer Retry-After plus that whole
    /// upload again (6 s or more, and the data), so any wait shorter than that is the better answer; 5 s of upload plus
    /// at most 5 s of queue also stays within the 10 s a user keeps attention on a task. Overload is still shed: more
    /// work than the model clears in 5 s is refused at once, before its body is read.
    /// </summary>
    [Range(0, 3_600_000)]
    public int MaxQueueWaitMilliseconds { get; set; } = 5000;
    /// <summary>Batches computed at once on the session. On a CPU, 2 workers with IntraOpThreads 1 trade single-request latency for throughput.</summary>
    [Range(0, 256)]
    public int Workers { get; set; } = 1;
    /// <summary>Let ONNX Runtime's idle threads spin; off by default so they leave the cores to decoding and HTTP.</summary>
    public bool AllowSpinning { get; set; }

    public int BatchSizeFor(bool cuda) => MaxBatchSize > 0 ? MaxBatchSize : cuda ? 32 : 4;
    public TimeSpan QueueDelayFor(bool cuda) => TimeSpan.FromMicroseconds(MaxQueueDelayMicroseconds >= 0 ? MaxQueueDelayMicroseconds : cuda ? 2000 : 0);
    /// <summary>Folder for ONNX Runtime's optimized graphs (faster restarts); empty disables.</summary>
    public string? OptimizedModelCache { get; set; }
}

/// <summary>"Limits" section: what a request may send.</summary>
public sealed class LimitsOptions
{
    public const string Section = "Limits";
    [Range(1, long.MaxValue)]
    public long MaxUploadBytes { get; set; } = 20 * 1024 * 1024;
    [Range(1, 1024)]
    public int MaxImagesPerBatch { get; set; } = 16;
    /// <summary>Checked from the image header before decoding.</summary>
    [Range(1, long.MaxValue)]
    public long MaxPixelsPerImage { get; set; } = 50_000_000;
    /// <summary>Uploads decoded at the same time (0 = one per core); others wait their turn. See DecodeGate.</summary>
    [Range(0, 1024)]
    public int MaxConcurrentDecodes { get; set; }
}
