namespace CropVision.FineTuning.Training;

/// <summary>Settings of a tail fine-tune. Defaults are the ones the NOTES.md experiment used (Adam 1e-4 tail, 1e-3 head, smoothing 0.1).</summary>
public sealed record FineTuneOptions
{
    public int MaxEpochs { get; init; } = 10;
    /// <summary>Stop after this many epochs without a lower val loss; the best epoch's weights are kept.</summary>
    public int Patience { get; init; } = 2;
    /// <summary>Photos (flip groups) per step.</summary>
    public int BatchSize { get; init; } = 16;
    public double TailLearningRate { get; init; } = 1e-4;
    public double HeadLearningRate { get; init; } = 1e-3;
    public double LabelSmoothing { get; init; } = 0.1;
    public int Seed { get; init; } = 42;
    /// <summary>Also train a severity head (on the examples with a grade), its loss added, so the tail adapts to severity too.</summary>
    public bool LearnSeverity { get; init; } = true;
    /// <summary>LibTorch intra-op threads (tests use 1: the machine is shared).</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;
}

/// <summary>
/// One epoch's figures: train loss (smoothed, as optimised), val loss (plain; the severity loss added where the
/// fine-tune learns severity too), val accuracy of the main stress and (or NaN) of the severity grade.
/// </summary>
public sealed record EpochResult(int Epoch, double TrainLoss, double ValLoss, double ValAccuracy, TimeSpan Took, double ValSeverityAccuracy = double.NaN);

/// <summary>What a fine-tune did; epoch 0 is the starting point (val only, before any step).</summary>
public sealed record FineTuneResult(IReadOnlyList<EpochResult> Epochs, int BestEpoch, bool StoppedEarly)
{
    public EpochResult Best => Epochs.Single(e => e.Epoch == BestEpoch);
}
