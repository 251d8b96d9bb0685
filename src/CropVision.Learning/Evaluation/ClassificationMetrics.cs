namespace CropVision.Learning.Evaluation;

public sealed record ClassScore(string Label, double Precision, double Recall, double F1, int Support);
public sealed record ReliabilityBin(double From, double To, int Count, double MeanConfidence, double Accuracy);

/// <summary>Single-label metrics from true class indices and predicted probability rows.</summary>
public sealed record ClassificationMetrics(
    int Count, double Accuracy, double MacroF1, IReadOnlyList<ClassScore> PerClass, int[][] Confusion,
    double Ece, IReadOnlyList<ReliabilityBin> Reliability, double MeanAbsoluteError)
{
    public const int CalibrationBins = 10;

    public static ClassificationMetrics Compute(IReadOnlyList<string> labels, IReadOnlyList<int> truth, IReadOnlyList<float[]> probabilities)
    {
        int k = labels.Count, n = truth.Count;
        var confusion = Enumerable.Range(0, k).Select(_ => new int[k]).ToArray();
        var predicted = probabilities.Select(ArgMax).ToArray();
        for (int i = 0; i < n; i++) confusion[truth[i]][predicted[i]]++;

        var perClass = new List<ClassScore>(k);
        for (int c = 0; c < k; c++)
        {
            int tp = confusion[c][c], fn = confusion[c].Sum() - tp, fp = Enumerable.Range(0, k).Sum(r => confusion[r][c]) - tp;
            perClass.Add(Score(labels[c], tp, fp, fn));
        }
        var present = perClass.Where(p => p.Support > 0).ToList();

        var bins = new List<ReliabilityBin>();
        double ece = 0;
        for (int b = 0; b < CalibrationBins; b++)
        {
            double lo = (double)b / CalibrationBins, hi = (double)(b + 1) / CalibrationBins;
            var members = Enumerable.Range(0, n).Where(i => { var p = probabilities[i][predicted[i]]; return p > lo && p <= hi || (b == 0 && p == 0); }).ToList();
            if (members.Count == 0) { bins.Add(new(lo, hi, 0, 0, 0)); continue; }
            double conf = members.Average(i => probabilities[i][predicted[i]]), acc = members.Average(i => predicted[i] == truth[i] ? 1.0 : 0.0);
            ece += members.Count / (double)n * Math.Abs(conf - acc);
            bins.Add(new(lo, hi, members.Count, conf, acc));
        }
        double mae = n == 0 ? 0 : Enumerable.Range(0, n).Average(i => Math.Abs(predicted[i] - truth[i]));
        return new ClassificationMetrics(n, n == 0 ? 0 : Enumerable.Range(0, n).Count(i => predicted[i] == truth[i]) / (double)n,
            present.Count == 0 ? 0 : present.Average(p => p.F1), perClass, confusion, ece, bins, mae);
    }

    public static ClassScore Score(string label, int tp, int fp, int fn)
    {
        double p = tp + fp == 0 ? 0 : tp / (double)(tp + fp), r = tp + fn == 0 ? 0 : tp / (double)(tp + fn);
        return new ClassScore(label, p, r, p + r == 0 ? 0 : 2 * p * r / (p + r), tp + fn);
    }

    public static int ArgMax(float[] p)
    {
        int best = 0;
        for (int i = 1; i < p.Length; i++) if (p[i] > p[best]) best = i;
        return best;
    }
}

/// <summary>Per-flag precision/recall/F1 at probability 0.5, for multi-label stresses.</summary>
public sealed record MultiLabelMetrics(IReadOnlyList<ClassScore> PerFlag, double MacroF1, double ExactMatch)
{
    public static MultiLabelMetrics Compute(IReadOnlyList<string> flags, IReadOnlyList<bool[]> truth, IReadOnlyList<float[]> probabilities)
    {
        var per = new List<ClassScore>();
        for (int c = 0; c < flags.Count; c++)
        {
            int tp = 0, fp = 0, fn = 0;
            for (int i = 0; i < truth.Count; i++)
            {
                bool p = probabilities[i][c] >= 0.5f, t = truth[i][c];
                if (p && t) tp++; else if (p) fp++; else if (t) fn++;
            }
            per.Add(ClassificationMetrics.Score(flags[c], tp, fp, fn));
        }
        double exact = truth.Count == 0 ? 0 : Enumerable.Range(0, truth.Count).Count(i => Enumerable.Range(0, flags.Count).All(c => truth[i][c] == probabilities[i][c] >= 0.5f)) / (double)truth.Count;
        return new MultiLabelMetrics(per, per.Count == 0 ? 0 : per.Average(p => p.F1), exact);
    }
}
