namespace CropVision.Learning.Calibration;

/// <summary>The "uncertain" threshold chosen for one group of answers, and what it gives on that group.</summary>
/// <param name="Met">False when no threshold reaches the target at or above the coverage floor (the floor is used).</param>
public sealed record ThresholdChoice(double Threshold, double Accuracy, double Coverage, int Answers, bool Met);

/// <summary>
/// Temperature scaling and the accuracy-target threshold search, on plain numbers so they can be tested on sets whose
/// answer is known. Probabilities of an image are the mean over its rows (flips) of softmax(logits / T), as the graph computes.
/// </summary>
public static class ConfidenceCalibration
{
    public static float[] Softmax(ReadOnlySpan<float> logits, double temperature)
    {
        var p = new float[logits.Length];
        double max = double.NegativeInfinity;
        foreach (var l in logits) max = Math.Max(max, l / temperature);
        double sum = 0;
        for (int i = 0; i < p.Length; i++) sum += Math.Exp(logits[i] / temperature - max);
        for (int i = 0; i < p.Length; i++) p[i] = (float)(Math.Exp(logits[i] / temperature - max) / sum);
        return p;
    }

    /// <summary>One image's probabilities: its rows' softmax(logits / T), averaged.</summary>
    public static float[] Probabilities(IReadOnlyList<float[]> rows, double temperature)
    {
        var mean = new float[rows[0].Length];
        foreach (var r in rows)
        {
            var p = Softmax(r, temperature);
            for (int c = 0; c < mean.Length; c++) mean[c] += p[c] / rows.Count;
        }
        return mean;
    }

    /// <summary>Mean negative log-likelihood of the true classes at temperature T.</summary>
    public static double Nll(IReadOnlyList<IReadOnlyList<float[]>> images, IReadOnlyList<int> labels, double temperature)
    {
        double sum = 0;
        for (int i = 0; i < images.Count; i++) sum -= Math.Log(Math.Max(1e-12, Probabilities(images[i], temperature)[labels[i]]));
        return sum / images.Count;
    }

    /// <summary>The T in [0.05, 20] minimising the NLL: a golden-section search on log T (the NLL is unimodal in T for one image set in practice).</summary>
    public static double FitTemperature(IReadOnlyList<IReadOnlyList<float[]>> images, IReadOnlyList<int> labels)
    {
        if (images.Count == 0) return 1;
        double a = Math.Log(0.05), b = Math.Log(20), phi = (Math.Sqrt(5) - 1) / 2;
        double c = b - phi * (b - a), d = a + phi * (b - a);
        double fc = Nll(images, labels, Math.Exp(c)), fd = Nll(images, labels, Math.Exp(d));
        for (int k = 0; k < 40; k++)
        {
            if (fc < fd) { b = d; d = c; fd = fc; c = b - phi * (b - a); fc = Nll(images, labels, Math.Exp(c)); }
            else { a = c; c = d; fc = fd; d = a + phi * (b - a); fd = Nll(images, labels, Math.Exp(d)); }
        }
        return Math.Exp((a + b) / 2);
    }

    /// <summary>
    /// The smallest threshold t such that the answers with top probability >= t are right at least <paramref name="target"/>
    /// of the time while covering at least <paramref name="minCoverage"/> of them; where none does, the threshold that
    /// keeps exactly the floor's share (Met = false), so coverage never shrinks to a tiny tail unnoticed.
    /// </summary>
    public static ThresholdChoice Threshold(IReadOnlyList<(double Top, bool Right)> answers, double target, double minCoverage)
    {
        int n = answers.Count;
        if (n == 0) return new ThresholdChoice(0, double.NaN, 0, 0, false);
        var sorted = answers.OrderByDescending(a => a.Top).ToList();
        int floor = Math.Max(1, (int)Math.Ceiling(minCoverage * n));
        int best = -1, right = 0;
        for (int k = 1; k <= n; k++)
        {
            if (sorted[k - 1].Right) right++;
            // Only cut between distinct values: ties are in or out together, as "top >= t" makes them.
            if (k < n && sorted[k].Top == sorted[k - 1].Top) continue;
            if (k >= floor && right >= target * k) best = k;
        }
        bool met = best > 0;
        if (!met) best = floor;
        while (best < n && sorted[best].Top == sorted[best - 1].Top) best++;
        int r = sorted.Take(best).Count(a => a.Right);
        // Rejected answers (top < 0) are never ok: the threshold stays a probability.
        return new ThresholdChoice(Math.Max(0, sorted[best - 1].Top), r / (double)best, best / (double)n, n, met);
    }

    /// <summary>Accuracy and coverage of the answers at or above a threshold.</summary>
    public static (double Accuracy, double Coverage) At(IReadOnlyList<(double Top, bool Right)> answers, double threshold)
    {
        var ok = answers.Where(a => a.Top >= threshold).ToList();
        return (ok.Count == 0 ? double.NaN : ok.Count(a => a.Right) / (double)ok.Count, answers.Count == 0 ? 0 : ok.Count / (double)answers.Count);
    }
}
