using SkiaSharp;

namespace CropVision.Learning.Evaluation;

/// <summary>Draws the report's pictures as PNG: the confusion matrix as a heat map and the reliability diagram.</summary>
public static class ChartPainter
{
    // The self-contained Skia build does not ask fontconfig for fonts, so look for a common system font file;
    // without one the charts still draw, unlabelled, and the HTML report carries every number as text too.
    private static readonly string[] FontFiles =
    [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/System/Library/Fonts/Supplemental/Arial.ttf",
        "C:/Windows/Fonts/arial.ttf",
    ];
    private static readonly Lazy<SKTypeface> Typeface = new(() =>
        FontFiles.Where(File.Exists).Select(SKTypeface.FromFile).FirstOrDefault(t => t is not null) ?? SKTypeface.Default);

    private static SKFont Font(float size) => new(Typeface.Value, size);

    public static byte[] ConfusionMatrix(IReadOnlyList<string> labels, int[][] confusion)
    {
        int k = labels.Count, cell = 64, left = 130, top = 40, size = left + k * cell + 20;
        using var surface = SKSurface.Create(new SKImageInfo(size, top + k * cell + 110));
        var c = surface.Canvas;
        c.Clear(SKColors.White);
        using var text = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        using var font = Font(14);
        using var small = Font(12);
        c.DrawText("rows: true class, columns: predicted", left, 24, SKTextAlign.Left, font, text);
        for (int r = 0; r < k; r++)
        {
            int rowTotal = Math.Max(1, confusion[r].Sum());
            c.DrawText(labels[r], 8, top + r * cell + cell / 2 + 5, SKTextAlign.Left, font, text);
            for (int col = 0; col < k; col++)
            {
                float share = confusion[r][col] / (float)rowTotal;
                using var fill = new SKPaint { Color = new SKColor((byte)(255 - 200 * share), (byte)(255 - 120 * share), 255) };
                var rect = SKRect.Create(left + col * cell, top + r * cell, cell - 2, cell - 2);
                c.DrawRect(rect, fill);
                using var ink = new SKPaint { Color = share > 0.6f ? SKColors.White : SKColors.Black, IsAntialias = true };
                c.DrawText(confusion[r][col].ToString(System.Globalization.CultureInfo.InvariantCulture), rect.MidX, rect.MidY + 5, SKTextAlign.Center, font, ink);
            }
        }
        for (int col = 0; col < k; col++)
        {
            c.Save();
            c.Translate(left + col * cell + cell / 2, top + k * cell + 8);
            c.RotateDegrees(40);
            c.DrawText(labels[col], 0, 0, SKTextAlign.Left, small, text);
            c.Restore();
        }
        return Png(surface);
    }

    public static byte[] ReliabilityDiagram(IReadOnlyList<ReliabilityBin> bins, double ece)
    {
        const int w = 420, h = 420, pad = 50, plot = 320;
        using var surface = SKSurface.Create(new SKImageInfo(w, h));
        var c = surface.Canvas;
        c.Clear(SKColors.White);
        using var axis = new SKPaint { Color = SKColors.Gray, StrokeWidth = 1, IsAntialias = true, Style = SKPaintStyle.Stroke };
        using var text = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        using var font = Font(13);
        float X(double v) => pad + (float)v * plot;
        float Y(double v) => pad + plot - (float)v * plot;
        c.DrawRect(SKRect.Create(pad, pad, plot, plot), axis);
        using var diagonal = new SKPaint { Color = SKColors.Gray, StrokeWidth = 1, IsAntialias = true, PathEffect = SKPathEffect.CreateDash([4, 4], 0) };
        c.DrawLine(X(0), Y(0), X(1), Y(1), diagonal);
        using var bar = new SKPaint { Color = new SKColor(60, 120, 200, 200) };
        using var gap = new SKPaint { Color = new SKColor(220, 80, 60, 120) };
        foreach (var b in bins.Where(b => b.Count > 0))
        {
            c.DrawRect(new SKRect(X(b.From) + 1, Y(b.Accuracy), X(b.To) - 1, Y(0)), bar);
            c.DrawRect(new SKRect(X(b.From) + 1, Y(Math.Max(b.Accuracy, b.MeanConfidence)), X(b.To) - 1, Y(Math.Min(b.Accuracy, b.MeanConfidence))), gap);
        }
        c.DrawText($"Reliability, ECE {ece:F3} (bar: accuracy; red: gap)", 8, 22, SKTextAlign.Left, font, text);
        c.DrawText("confidence (top probability)", pad + 60, h - 12, SKTextAlign.Left, font, text);
        for (int i = 0; i <= 10; i += 5) c.DrawText($"{i / 10.0:F1}", X(i / 10.0) - 8, pad + plot + 18, SKTextAlign.Left, font, text);
        for (int i = 0; i <= 10; i += 5) c.DrawText($"{i / 10.0:F1}", 14, Y(i / 10.0) + 4, SKTextAlign.Left, font, text);
        return Png(surface);
    }

    private static byte[] Png(SKSurface surface)
    {
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
