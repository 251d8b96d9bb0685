using System.Globalization;
using CropVision.Learning.Comparison;
using Spectre.Console;

namespace CropVision.Training.Console;

/// <summary>Prints a comparison's paired view as a console table.</summary>
public static class ComparisonTables
{
    private static string P(double v) => v.ToString("P1", CultureInfo.InvariantCulture);

    public static void Print(ModelComparison c)
    {
        var table = new Table().Title($"A = {Markup.Escape(c.ModelA)}, B = {Markup.Escape(c.ModelB)} ({Markup.Escape(c.Split)})")
            .AddColumns("data folder", "leaves", "A right", "B right", "only A", "only B", "McNemar p", "A rejected", "B rejected");
        foreach (var g in c.PairedBySource.Append(c.Paired))
            table.AddRow(Markup.Escape(g.Name), g.Photos.ToString(CultureInfo.InvariantCulture), P(g.AccuracyA), P(g.AccuracyB),
                g.Test.OnlyARight.ToString(CultureInfo.InvariantCulture), g.Test.OnlyBRight.ToString(CultureInfo.InvariantCulture),
                g.Test.PValue.ToString("G3", CultureInfo.InvariantCulture), P(g.LeavesRejectedA), P(g.LeavesRejectedB));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"macro-F1 {c.A.MacroF1:F3} → {c.B.MacroF1:F3}; ECE {c.A.Ece:F3} → {c.B.Ece:F3}; uncertain {P(c.A.UncertainRate ?? 0)} → {P(c.B.UncertainRate ?? 0)}; {c.DisagreementCount} leaves answered differently.");
    }
}
