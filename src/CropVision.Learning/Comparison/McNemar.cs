namespace CropVision.Learning.Comparison;

/// <summary>
/// The exact McNemar test on paired answers: of the photos exactly one model got right (<c>b</c> only A, <c>c</c> only
/// B), how surprising the split is if both models were equally good (each discordant photo a fair coin).
/// Two-sided p = min(1, 2 * P(X &lt;= min(b, c))) with X ~ Binomial(b + c, 1/2).
/// </summary>
public sealed record McNemar(int OnlyARight, int OnlyBRight, double PValue)
{
    public int Discordant => OnlyARight + OnlyBRight;

    public static McNemar Test(int onlyARight, int onlyBRight)
    {
        if (onlyARight < 0 || onlyBRight < 0) throw new ArgumentOutOfRangeException(nameof(onlyARight), "Counts cannot be negative.");
        int n = onlyARight + onlyBRight;
        if (n == 0) return new McNemar(0, 0, 1.0);
        int k = Math.Min(onlyARight, onlyBRight);
        // Sum the binomial tail in log space so thousands of discordant pairs do not underflow or overflow.
        double logHalfN = n * Math.Log(0.5), tail = 0;
        for (int i = 0; i <= k; i++) tail += Math.Exp(LogChoose(n, i) + logHalfN);
        return new McNemar(onlyARight, onlyBRight, Math.Min(1.0, 2 * tail));
    }

    private static double LogChoose(int n, int k)
    {
        double sum = 0;
        for (int i = 1; i <= k; i++) sum += Math.Log(n - k + i) - Math.Log(i);
        return sum;
    }
}
