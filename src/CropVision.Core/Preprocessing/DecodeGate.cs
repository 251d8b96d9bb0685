namespace CropVision.Core.Preprocessing;

/// <summary>
/// Bounds how many images the process decodes at once (Limits:MaxConcurrentDecodes, 0 = one per core). Decoding is CPU
/// work, so more decodes than cores gain nothing; and one decode can take a few hundred MB (a hostile header near the
/// pixel limit, a 7000x7000 PNG), so the bound is also what keeps such uploads from adding up. One instance per process,
/// shared by every decode: predictions, the store's thumbnails and feedback re-encoding, shadow runs, imports.
/// </summary>
public sealed class DecodeGate
{
    private readonly SemaphoreSlim _slots;
    private int _inUse, _peak;

    public int Slots { get; }

    /// <summary>Decodes running now.</summary>
    public int InUse => Volatile.Read(ref _inUse);

    /// <summary>The most decodes that ran at once since the start (or the last <see cref="ResetPeak"/>).</summary>
    public int Peak => Volatile.Read(ref _peak);

    /// <param name="maxConcurrentDecodes">0 = one per core.</param>
    public DecodeGate(int maxConcurrentDecodes)
    {
        if (maxConcurrentDecodes < 0) throw new ArgumentOutOfRangeException(nameof(maxConcurrentDecodes), "Limits:MaxConcurrentDecodes must be 0 (one per core) or more.");
        Slots = maxConcurrentDecodes == 0 ? Environment.ProcessorCount : maxConcurrentDecodes;
        _slots = new SemaphoreSlim(Slots, Slots);
    }

    /// <summary>Waits for a slot; dispose the result to give it back. Never hold two at once (with one slot that waits forever).</summary>
    public async Task<IDisposable> EnterAsync(CancellationToken ct)
    {
        await _slots.WaitAsync(ct).ConfigureAwait(false);
        return Entered();
    }

    /// <summary>As <see cref="EnterAsync"/>, blocking: for decodes on a thread of their own (the shadow worker).</summary>
    public IDisposable Enter(CancellationToken ct)
    {
        _slots.Wait(ct);
        return Entered();
    }

    public void ResetPeak() => Volatile.Write(ref _peak, InUse);

    private Slot Entered()
    {
        int now = Interlocked.Increment(ref _inUse);
        for (int peak = Peak; now > peak; peak = Peak)
            if (Interlocked.CompareExchange(ref _peak, now, peak) == peak) break;
        return new Slot(this);
    }

    private sealed class Slot(DecodeGate gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0) return;
            Interlocked.Decrement(ref gate._inUse);
            gate._slots.Release();
        }
    }
}
