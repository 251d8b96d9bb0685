using CropVision.Learning.Evaluation;
using SkiaSharp;

namespace CropVision.Tests.Training;

/// <summary>
/// The report's charts are drawn by ScottPlot 5.1.59, which was built against SkiaSharp 3.119 while the project pins
/// SkiaSharp 4.155.0: rendering real PNGs here is the check that the two work together at run time.
/// </summary>
[Trait("Category", "Fast")]
public class ReportChartsTests
{
    private static readonly ReliabilityBin[] Bins =
        [.. Enumerable.Range(0, 10).Select(b => new ReliabilityBin(b / 10.0, (b + 1) / 10.0, b < 3 ? 0 : b, b < 3 ? 0 : b / 10.0 + 0.05, b < 3 ? 0 : Math.Min(1, b / 10.0 + 0.1)))];

    private static SKBitmap Decoded(byte[] png)
    {
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        var bitmap = SKBitmap.Decode(png);
        Assert.NotNull(bitmap);
        // Something besides the white background was drawn.
        int inked = 0;
        for (int y = 0; y < bitmap.Height; y += 2)
            for (int x = 0; x < bitmap.Width; x += 2)
                if (bitmap.GetPixel(x, y) is var p && p.Red < 200 && p.Green < 200) inked++;
        Assert.True(inked > 50, $"only {inked} inked pixels");
        return bitmap;
    }

    [Fact]
    public void Confusion_matrix_reliability_and_coverage_charts_render_as_png()
    {
        using var confusion = Decoded(ReportCharts.ConfusionMatrix(["healthy", "miner", "rust"], [[10, 1, 0], [2, 7, 1], [0, 0, 9]]));
        Assert.Equal((130 + 3 * 64 + 60, 40 + 3 * 64 + 140), (confusion.Width, confusion.Height));
        using var reliability = Decoded(ReportCharts.ReliabilityDiagram(Bins, 0.042));
        Assert.Equal((420, 420), (reliability.Width, reliability.Height));
        using var coverage = Decoded(ReportCharts.CoverageAccuracyCurve(Bins));
        Assert.Equal((480, 420), (coverage.Width, coverage.Height));
        if (Environment.GetEnvironmentVariable("CROPVISION_CHARTS_OUT") is { } outFolder)
        {
            File.WriteAllBytes(Path.Combine(outFolder, "confusion.png"), ReportCharts.ConfusionMatrix(["healthy", "miner", "rust"], [[10, 1, 0], [2, 7, 1], [0, 0, 9]]));
            File.WriteAllBytes(Path.Combine(outFolder, "reliability.png"), ReportCharts.ReliabilityDiagram(Bins, 0.042));
            File.WriteAllBytes(Path.Combine(outFolder, "coverage.png"), ReportCharts.CoverageAccuracyCurve(Bins));
        }
    }

    [Fact]
    public void Coverage_accuracy_answers_the_most_confident_first()
    {
        ReliabilityBin[] bins = [new(0, 0.5, 2, 0.4, 0.5), new(0.5, 0.8, 0, 0, 0), new(0.8, 1, 8, 0.9, 1)];
        var points = ReportCharts.CoverageAccuracy(bins);
        Assert.Equal([(0.8, 0.8, 1.0), (0.0, 1.0, 0.9)], points.Select(p => (p.From, Math.Round(p.Coverage, 6), Math.Round(p.Accuracy, 6))));
    }
}
