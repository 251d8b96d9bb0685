
namespace CropVision.Serving.Predictions;

/// <summary>
/// Bounds how many uploads are decoded at once (Limits:MaxConcurrentDecodes, 0 = one per core). Decoding is CPU work,
/// so more decodes than cores gain nothing; and a hostile header that claims a size near the pixel limit can take a
/// few hundred MB for one decode (the fuzzer's finding), so the bound is also what keeps such uploads from adding up.
/// </summary>
public sealed class DecodeGate
{
    private readonly SemaphoreSlim _slots;

    public int Slots { get; }

    /// <summary>Decodes running now.</summary>
    public int InUse => Slots - _slots.CurrentCount;

    public DecodeGate(IOptions<LimitsOptions> limits)
    {
        var configured = limits.Value.MaxConcurrentDecodes;
        if (configured < 0) throw new ArgumentOutOfRangeException(nameof(limits), "Limits:MaxConcurrentDecodes must be 0 (one per core) or more.");
        Slots = configured == 0 ? Environment.ProcessorCount : configured;
        _slots = new SemaphoreSlim(Slots, Slots);
    }

    /// <summary>Waits for a slot; dispose the result to give it back.</summary>
    public async Task<IDisposable> EnterAsync(CancellationToken ct)
    {
        await _slots.WaitAsync(ct).ConfigureAwait(false);
        return new Slot(_slots);
    }

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;
        public void Dispose() { if (Interlocked.Exchange(ref _released, 1) == 0) slots.Release(); }
    }
}
