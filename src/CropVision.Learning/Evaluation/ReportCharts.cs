using System.Globalization;
using ScottPlot;

namespace CropVision.Learning.Evaluation;

/// <summary>
/// The report's pictures as PNG, drawn with ScottPlot: the confusion matrix, the reliability diagram and the
/// coverage-accuracy curve (how accurate the answers are when only the most confident share is answered).
/// </summary>
public static class ReportCharts
{
    // The self-contained Skia build does not ask fontconfig for fonts, so register a common system font file;
    // without one the charts still draw, unlabelled, and the HTML report carries every number as text too.
    private static readonly string[] FontFiles =
    [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/System/Library/Fonts/Supplemental/Arial.ttf",
        "C:/Windows/Fonts/arial.ttf",
    ];
    private const string ReportFont = "CropVision report";
    private static readonly Lazy<bool> FontRegistered = new(() =>
    {
        if (FontFiles.FirstOrDefault(File.Exists) is not { } file) return false;
        Fonts.AddFontFile(ReportFont, file);
        return true;
    });

    private static Plot NewPlot()
    {
        var plot = new Plot();
        if (FontRegistered.Value) plot.Font.Set(ReportFont);
        return plot;
    }

    private static string Text(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>Rows: true class, columns: predicted; each cell shaded by its share of the row and labelled with its count.</summary>
    public static byte[] ConfusionMatrix(IReadOnlyList<string> labels, int[][] confusion)
    {
        int k = labels.Count;
        var plot = NewPlot();
        for (int r = 0; r < k; r++)
        {
            int rowTotal = Math.Max(1, confusion[r].Sum());
            double y = k - 1 - r; // the first class on top
            for (int c = 0; c < k; c++)
            {
                double share = confusion[r][c] / (double)rowTotal;
                var cell = plot.Add.Rectangle(c, c + 1, y, y + 1);
                cell.FillColor = new Color((byte)(255 - 200 * share), (byte)(255 - 120 * share), 255);
                cell.LineColor = Colors.White;
                var count = plot.Add.Text(confusion[r][c].ToString(CultureInfo.InvariantCulture), c + 0.5, y + 0.5);
                count.LabelAlignment = Alignment.MiddleCenter;
                count.LabelFontSize = 14;
                count.LabelFontColor = share > 0.6 ? Colors.White : Colors.Black;
            }
        }
        double[] centres = [.. Enumerable.Range(0, k).Select(i => i + 0.5)];
        plot.Axes.Bottom.SetTicks(centres, [.. labels]);
        plot.Axes.Left.SetTicks([.. centres.Reverse()], [.. labels]);
        plot.Axes.Bottom.TickLabelStyle.Rotation = 40;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.UpperLeft;
        plot.Axes.Bottom.MinimumSize = 100;
        plot.Axes.SetLimits(0, k, 0, k);
        plot.Grid.IsVisible = false;
        plot.Title("Confusion matrix", size: 14);
        plot.XLabel("predicted", size: 13);
        plot.YLabel("true class", size: 13);
        return plot.GetImageBytes(130 + k * 64 + 60, 40 + k * 64 + 140, ImageFormat.Png);
    }

    /// <summary>Accuracy per confidence bin (blue) and its gap to the bin's mean confidence (red), against the diagonal.</summary>
    public static byte[] ReliabilityDiagram(IReadOnlyList<ReliabilityBin> bins, double ece)
    {
        var plot = NewPlot();
        var diagonal = plot.Add.Line(0, 0, 1, 1);
        diagonal.LineColor = Colors.Gray;
        diagonal.LinePattern = LinePattern.Dashed;
        foreach (var b in bins.Where(b => b.Count > 0))
        {
            double width = (b.To - b.From) * 0.9, middle = (b.From + b.To) / 2;
            plot.Add.Bar(new Bar { Position = middle, Value = b.Accuracy, Size = width, FillColor = new Color(60, 120, 200, 200), LineWidth = 0 });
            plot.Add.Bar(new Bar { Position = middle, ValueBase = Math.Min(b.Accuracy, b.MeanConfidence), Value = Math.Max(b.Accuracy, b.MeanConfidence), Size = width, FillColor = new Color(220, 80, 60, 120), LineWidth = 0 });
        }
        plot.Axes.SetLimits(0, 1, 0, 1);
        plot.Title($"Reliability, ECE {Text(ece, "F3")} (bar: accuracy; red: gap)", size: 14);
        plot.XLabel("confidence (top probability)", size: 13);
        plot.YLabel("accuracy", size: 13);
        return plot.GetImageBytes(420, 420, ImageFormat.Png);
    }

    /// <summary>
    /// Coverage-accuracy from the reliability bins: answering only photos whose top probability is at least each bin's
    /// lower edge, the share answered (coverage) and the accuracy of those answers.
    /// </summary>
    public static IReadOnlyList<(double From, double Coverage, double Accuracy)> CoverageAccuracy(IReadOnlyList<ReliabilityBin> bins)
    {
        int total = bins.Sum(b => b.Count);
        var points = new List<(double, double, double)>();
        double count = 0, right = 0;
        foreach (var b in bins.OrderByDescending(b => b.From))
        {
            count += b.Count;
            right += b.Accuracy * b.Count;
            if (b.Count > 0) points.Add((b.From, count / total, right / count));
        }
        return points;
    }

    public static byte[] CoverageAccuracyCurve(IReadOnlyList<ReliabilityBin> bins)
    {
        var plot = NewPlot();
        var points = CoverageAccuracy(bins);
        if (points.Count > 0)
        {
            var curve = plot.Add.Scatter(points.Select(p => p.Coverage).ToArray(), points.Select(p => p.Accuracy).ToArray());
            curve.Color = new Color(60, 120, 200);
            curve.MarkerSize = 6;
            foreach (var p in points)
            {
                var edge = plot.Add.Text($"≥{Text(p.From, "F1")}", p.Coverage, p.Accuracy);
                edge.LabelFontSize = 10;
                edge.LabelAlignment = Alignment.LowerCenter;
                edge.OffsetY = -4;
            }
        }
        plot.Axes.SetLimits(0, 1.05, Math.Min(0.5, points.Select(p => p.Accuracy).DefaultIfEmpty(0.5).Min() - 0.05), 1.06);
        plot.Title("Coverage and accuracy (answer only above a top probability)", size: 14);
        plot.XLabel("coverage (share of photos answered)", size: 13);
        plot.YLabel("accuracy of the answers", size: 13);
        return plot.GetImageBytes(480, 420, ImageFormat.Png);
    }
}
