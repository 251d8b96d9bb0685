using System.Globalization;
using CropVision.Learning.Evaluation;
using Spectre.Console;

namespace CropVision.Training.Console;

/// <summary>Prints an evaluation report as console tables.</summary>
public static class ResultTables
{
    private static string P(double v) => v.ToString("P1", CultureInfo.InvariantCulture);
    private static string F(double v) => v.ToString("F3", CultureInfo.InvariantCulture);

    public static void Print(EvaluationReport r)
    {
        var summary = new Table().Title($"{Markup.Escape(r.Model)} on {r.Images} images ({Markup.Escape(r.Split)})").AddColumns("metric", "value");
        summary.AddRow("stress accuracy", P(r.Accuracy));
        summary.AddRow("stress macro-F1", F(r.MacroF1));
        summary.AddRow("expected calibration error", F(r.Ece));
        if (r.SeverityAccuracy is { } s) { summary.AddRow("severity accuracy", P(s)); summary.AddRow("severity MAE (grades)", F(r.SeverityMae ?? 0)); }
        if (r.StressFlagsMacroF1 is { } f) summary.AddRow("stress flags macro-F1", F(f));
        if (r.UncertainRate is { } u) summary.AddRow("uncertain", P(u));
        if (r.RejectedRate is { } rr) summary.AddRow("rejected", P(rr));
        if (r.NotLeafRejectedRate is { } nl) summary.AddRow($"not leaves rejected ({r.NotLeafImages})", P(nl));
        if (r.Skipped.Count > 0) summary.AddRow("[yellow]skipped (unreadable)[/]", r.Skipped.Count.ToString(CultureInfo.InvariantCulture));
        AnsiConsole.Write(summary);

        if (r.Groups.Count > 0)
        {
            var groups = new Table().Title("per source and per framing (leaves)").AddColumns("group", "images", "accuracy", "macro-F1", "severity", "rejected", "uncertain", "recall per class");
            foreach (var g in r.Groups)
                groups.AddRow(Markup.Escape(g.Name), g.Images.ToString(CultureInfo.InvariantCulture), P(g.Accuracy), F(g.MacroF1), g.SeverityAccuracy is { } s2 ? P(s2) : "",
                    P(g.RejectedRate), P(g.UncertainRate), Markup.Escape(string.Join(", ", g.PerClassRecall.Select(c => $"{c.Key} {c.Value.ToString("F2", CultureInfo.InvariantCulture)}"))));
            AnsiConsole.Write(groups);
        }

        var perClass = new Table().Title("per class").AddColumns("class", "precision", "recall", "F1", "support");
        foreach (var c in r.Stress.PerClass) perClass.AddRow(Markup.Escape(c.Label), F(c.Precision), F(c.Recall), F(c.F1), c.Support.ToString(CultureInfo.InvariantCulture));
        if (r.Flags is { } flags)
            foreach (var c in flags.PerFlag) perClass.AddRow($"flag: {Markup.Escape(c.Label)}", F(c.Precision), F(c.Recall), F(c.F1), c.Support.ToString(CultureInfo.InvariantCulture));
        AnsiConsole.Write(perClass);

        var confusion = new Table().Title("confusion (rows true, columns predicted)").AddColumn("");
        foreach (var l in r.Labels) confusion.AddColumn(Markup.Escape(l));
        for (int i = 0; i < r.Labels.Count; i++)
            confusion.AddRow([Markup.Escape(r.Labels[i]), .. r.Confusion[i].Select(v => v.ToString(CultureInfo.InvariantCulture))]);
        AnsiConsole.Write(confusion);
        foreach (var m in r.Mistakes)
            AnsiConsole.MarkupLine($"[grey]mistake[/] {Markup.Escape(m.Kind)}: {Markup.Escape(m.Source)}/{Markup.Escape(m.File)} ({Markup.Escape(m.Framing)}) is {Markup.Escape(m.Truth)}, answered {Markup.Escape(m.Predicted)} {P(m.Confidence)}");
        foreach (var skipped in r.Skipped) AnsiConsole.MarkupLine($"[yellow]skipped[/] {Markup.Escape(skipped.RelativePath)}: {Markup.Escape(skipped.Reason)}");
    }
}
