namespace CropVision.Learning.Comparison;

/// <summary>
/// The rule <c>promote</c> applies to a comparison of the serving version (A) and the candidate (B) on gate data:
/// refuse when B is right on fewer paired leaves than A and the exact McNemar test says that is beyond chance
/// (p below <c>alpha</c>), or when B rejects more of the gate's leaves than A. Otherwise B may serve.
/// </summary>
public static class PromotionGate
{
    public static (bool Accepted, string Reason) Decide(ModelComparison c, double alpha)
    {
        var t = c.Paired.Test;
        if (c.Paired.Photos == 0) return (false, "the gate data has no leaf that both models could score");
        int rejectedA = (int)Math.Round(c.Paired.LeavesRejectedA * c.Paired.Photos), rejectedB = (int)Math.Round(c.Paired.LeavesRejectedB * c.Paired.Photos);
        if (t.OnlyBRight < t.OnlyARight && t.PValue < alpha)
            return (false, $"{c.ModelB} is worse than {c.ModelA} beyond chance: only {c.ModelA} right on {t.OnlyARight} leaves, only {c.ModelB} right on {t.OnlyBRight} (exact McNemar p = {t.PValue:G3} < {alpha:G3})");
        if (rejectedB > rejectedA)
            return (false, $"{c.ModelB} rejects more leaves than {c.ModelA}: {rejectedB} against {rejectedA} of {c.Paired.Photos}");
        var verdict = t.OnlyBRight > t.OnlyARight ? (t.PValue < alpha ? "better beyond chance" : "no worse beyond chance (better on this data, within chance)")
            : t.OnlyBRight == t.OnlyARight ? "as good on this data" : "worse on this data, but within chance";
        return (true, $"{c.ModelB} is {verdict}: only {c.ModelA} right on {t.OnlyARight} leaves, only {c.ModelB} right on {t.OnlyBRight} (exact McNemar p = {t.PValue:G3}); rejected leaves {rejectedA} → {rejectedB} of {c.Paired.Photos}");
    }
}
