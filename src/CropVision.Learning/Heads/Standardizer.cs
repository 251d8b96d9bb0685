namespace CropVision.Learning.Heads;

/// <summary>Per-feature mean and inverse standard deviation of the training rows.</summary>
public static class Standardizer
{
    public static (float[] Mean, float[] InvStd) Fit(float[][] rows)
    {
        int d = rows[0].Length;
        var mean = new double[d];
        var sq = new double[d];
        foreach (var r in rows) for (int j = 0; j < d; j++) { mean[j] += r[j]; sq[j] += (double)r[j] * r[j]; }
        var m = new float[d];
        var inv = new float[d];
        for (int j = 0; j < d; j++)
        {
            double mu = mean[j] / rows.Length, variance = Math.Max(0, sq[j] / rows.Length - mu * mu);
            m[j] = (float)mu;
            // Features that never vary (dead ReLU channels) get weight 1 rather than a division by zero.
            inv[j] = variance > 1e-12 ? (float)(1 / Math.Sqrt(variance)) : 1f;
        }
        return (m, inv);
    }

    public static float[][] Apply(float[][] rows, float[] mean, float[] invStd) =>
        [.. rows.Select(r => { var z = new float[r.Length]; for (int j = 0; j < r.Length; j++) z[j] = (r[j] - mean[j]) * invStd[j]; return z; })];
}
