namespace CropVision.Serving.Batching;

/// <summary>
/// What admission knows about one model's queue, and the promise it makes: how many images wait, what each worker is
/// computing, how long batches of each size take (measured), and how late recent answers came against their promise.
/// Every change and every estimate happens under one lock, so images admitted at the same moment see each other and a
/// batch that leaves the queue becomes a worker's batch in one step. The worker loop (<see cref="DynamicBatcher"/>)
/// reports to it; it never touches the queue itself.
/// </summary>
internal sealed class AdmissionEstimator
{
    private readonly Lock _gate = new();
    private readonly BatcherSettings _settings;
    private readonly TimeProvider _time;
    private readonly double[] _batchSeconds;              // [k]: moving average of a batch of k images, 0 until one ran
    private readonly (long Started, int Size)[] _computing; // per worker; Size 0 while it has no batch
    private double _overrun = 1;                          // moving average of answer time / promised time, over answered images
    private int _depth;

    public AdmissionEstimator(BatcherSettings settings, TimeProvider time)
    {
        (_settings, _time) = (settings, time);
        _batchSeconds = new double[settings.MaxBatchSize + 1];
        _computing = new (long, int)[settings.Workers];
    }

    /// <summary>Images queued and not yet in a batch.</summary>
    public int Depth => Volatile.Read(ref _depth);

    /// <summary>
    /// When an image queued now would have its answer, at the latest, in the batching the workers really do: the rest of
    /// each batch being computed, then the images already waiting in batches of MaxBatchSize, each batch going to the
    /// first worker free, then the new image's own batch. Its own batch is counted full whenever it has to wait (images
    /// that arrive meanwhile join it and make it dearer); it runs alone only on an idle worker. Batch costs are the
    /// measured ones for that size (a size not seen yet: the nearest size seen, in proportion to the images); while a
    /// batch runs over its measured time, every batch after it is counted that much slower; while recent answers came
    /// later than estimated, the whole estimate is stretched by that ratio. Zero until a first batch has run.
    /// <paramref name="alsoAhead"/> more images count as ahead (a batch request's own earlier images, not queued yet).
    /// </summary>
    public TimeSpan EstimateWait(int alsoAhead)
    {
        // When recent answers came later than promised (the machine's speed changes under other processes, say),
        // every estimate is stretched by as much, until answers come on time again.
        lock (_gate) return TimeSpan.FromSeconds(ModelledWait(alsoAhead) * Math.Max(1, _overrun));
    }

    /// <summary>Whether new work would be accepted now; when not, <paramref name="retryAfter"/> says when a retry can expect room.</summary>
    public bool HasRoomFor(out TimeSpan retryAfter, int alsoAhead = 0)
    {
        retryAfter = TimeSpan.Zero;
        lock (_gate)
        {
            if (Depth + alsoAhead >= _settings.QueueCapacity)
            {
                retryAfter = WholeSeconds(Cost(_settings.MaxBatchSize));
                return false;
            }
            if (_settings.MaxQueueWait <= TimeSpan.Zero) return true;
            var wait = EstimateWait(alsoAhead);
            if (wait <= _settings.MaxQueueWait) return true;
            retryAfter = WholeSeconds((wait - _settings.MaxQueueWait).TotalSeconds); // by then the queue has drained enough
            return false;
        }
    }

    /// <summary>
    /// Checks for room and counts the image in one step. With <paramref name="admitted"/> (room was checked before the
    /// image was decoded), only a full queue refuses. Returns the seconds promised to the image (0: no estimate yet), or
    /// null when it is refused, with <paramref name="retryAfter"/> set when the estimate gave one. The image's clock
    /// (<paramref name="admittedAt"/>) starts here, at the moment of its promise: a thread held up before the lock would
    /// otherwise count time the promise never saw as an overrun.
    /// </summary>
    public double? TryAdmit(bool admitted, out TimeSpan retryAfter, out long admittedAt)
    {
        retryAfter = TimeSpan.Zero;
        lock (_gate)
        {
            admittedAt = _time.GetTimestamp();
            bool room = admitted ? Depth < _settings.QueueCapacity : HasRoomFor(out retryAfter);
            if (!room) return null;
            double promised = ModelledWait(alsoAhead: 0, ownBatchFull: true); // before it counts itself as ahead
            Interlocked.Increment(ref _depth);
            return promised;
        }
    }

    /// <summary>An admitted image did not reach the queue after all.</summary>
    public void Withdraw() => Interlocked.Decrement(ref _depth);

    /// <summary>The worker took <paramref name="taken"/> images from the queue; <paramref name="size"/> of them (those not cancelled) start now.</summary>
    public void BatchStarted(int worker, long started, int taken, int size)
    {
        lock (_gate)
        {
            Interlocked.Add(ref _depth, -taken);
            if (size > 0) _computing[worker] = (started, size);
        }
    }

    /// <summary>A batch of <paramref name="size"/> images took <paramref name="compute"/>.</summary>
    public void BatchMeasured(int size, TimeSpan compute)
    {
        lock (_gate)
        {
            // Quick to learn the model got slower (admission must not promise what it cannot keep), slow to believe it got faster.
            ref double seen = ref _batchSeconds[size];
            double weight = compute.TotalSeconds > seen ? 0.5 : 0.2;
            seen = seen == 0 ? compute.TotalSeconds : (1 - weight) * seen + weight * compute.TotalSeconds;
        }
    }

    /// <summary>An image promised <paramref name="promised"/> seconds got its answer after <paramref name="took"/>.</summary>
    public void Answered(TimeSpan took, double promised)
    {
        if (promised <= 0) return;
        lock (_gate) _overrun = 0.8 * _overrun + 0.2 * (took.TotalSeconds / promised);
    }

    /// <summary>The worker's batch is done (answered or failed).</summary>
    public void BatchEnded(int worker)
    {
        lock (_gate) _computing[worker] = default;
    }

    /// <summary>
    /// The wait in seconds as modelled from the batches, before any stretching for recent overruns. With
    /// <paramref name="ownBatchFull"/>, the image's own batch counts full even on an idle worker: the latest it can be
    /// answered if others join it before the worker wakes, which is what an answer is held to when overruns are measured.
    /// Caller holds the lock.
    /// </summary>
    private double ModelledWait(int alsoAhead, bool ownBatchFull = false)
    {
        if (Cost(1) == 0) return 0;
        long now = _time.GetTimestamp();
        var free = new double[_computing.Length]; // seconds until each worker is free
        double slowdown = 1; // a batch running over its measured time: the machine is slower now (other processes, say)
        for (int w = 0; w < free.Length; w++)
        {
            if (_computing[w].Size == 0) continue;
            double expected = Cost(_computing[w].Size);
            double elapsed = _time.GetElapsedTime(_computing[w].Started, now).TotalSeconds;
            free[w] = Math.Max(0, expected - elapsed);
            slowdown = Math.Max(slowdown, elapsed / expected);
        }
        int size = _settings.MaxBatchSize, ahead = Depth + alsoAhead;
        for (int b = 0; b < ahead / size; b++) free[FirstFree(free)] += slowdown * Cost(size);
        int next = FirstFree(free);
        bool waits = free[next] > 0 || _settings.MaxQueueDelay > TimeSpan.Zero;
        double own = slowdown * (waits || ownBatchFull ? Cost(size) : Cost(ahead % size + 1));
        double delay = free[next] > 0 ? 0 : _settings.MaxQueueDelay.TotalSeconds; // an idle worker may wait for company
        return free[next] + delay + own;
    }

    private static TimeSpan WholeSeconds(double seconds) => TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(seconds)));

    private static int FirstFree(double[] free)
    {
        int best = 0;
        for (int w = 1; w < free.Length; w++)
        {
            if (free[w] < free[best]) best = w;
        }
        return best;
    }

    /// <summary>Seconds a batch of <paramref name="k"/> images takes, from the batches run so far (caller holds the lock).</summary>
    private double Cost(int k)
    {
        if (_batchSeconds[k] > 0) return _batchSeconds[k];
        for (int d = 1; d < _batchSeconds.Length; d++)
        {
            if (k - d >= 1 && _batchSeconds[k - d] > 0) return _batchSeconds[k - d] * k / (k - d);
            if (k + d < _batchSeconds.Length && _batchSeconds[k + d] > 0) return _batchSeconds[k + d] * k / (k + d);
        }
        return 0;
    }
}
