using System.Globalization;
using System.Net;
using System.Text;
using CropVision.Learning.Evaluation;

namespace CropVision.Learning.Comparison;

/// <summary>Writes a comparison as comparison.html (with thumbnails of the disagreements) and comparison.json into a folder.</summary>
public static class ComparisonWriter
{
    public const string HtmlFile = "comparison.html";
    public const string JsonFile = "comparison.json";
    public const string ThumbnailFolder = "disagreements";

    public static ModelComparison Write(ModelComparison c, string folder)
    {
        Directory.CreateDirectory(folder);
        var dir = Path.Combine(folder, ThumbnailFolder);
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        c = c with
        {
            Disagreements = [.. c.Disagreements.Select((d, i) =>
            {
                var name = $"{ThumbnailFolder}/{i + 1:D3}.jpg";
                return ReportWriter.WriteThumbnail(d.FullPath, Path.Combine(folder, name)) ? d with { Thumbnail = name } : d;
            })],
        };
        File.WriteAllText(Path.Combine(folder, JsonFile), c.ToJson() + "\n");
        File.WriteAllText(Path.Combine(folder, HtmlFile), Html(c));
        return c;
    }

    private static string P(double v) => v.ToString("P1", CultureInfo.InvariantCulture);
    private static string P(double? v) => v is { } x ? P(x) : "";
    private static string F(double v) => v.ToString("F3", CultureInfo.InvariantCulture);
    private static string E(string s) => WebUtility.HtmlEncode(s);
    private static string Pv(double p) => p < 0.0001 ? "< 0.0001" : p.ToString("G3", CultureInfo.InvariantCulture);

    public static string Html(ModelComparison c)
    {
        string a = E(c.ModelA), b = E(c.ModelB);
        var sb = new StringBuilder();
        sb.Append($"<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>{a} vs {b}</title>");
        sb.Append("<style>body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse;margin-bottom:1rem}td,th{border:1px solid #ccc;padding:.25rem .6rem;text-align:right}th:first-child,td:first-child{text-align:left}.right{color:#176317}.wrong{color:#a31515}</style>");
        sb.Append($"<h1>{a} (A) against {b} (B)</h1><p>Data <code>{E(c.Data)}</code>, split <b>{E(c.Split)}</b>; both models ran the same photos, each through its own preprocessing.</p>");

        var t = c.Paired.Test;
        sb.Append("<h2>Paired answers</h2><p>An answer is <i>right</i> when the photo is not rejected and the main stress is the true one. ");
        sb.Append($"On {c.Paired.Photos} leaves both scored: only A right on <b>{t.OnlyARight}</b>, only B right on <b>{t.OnlyBRight}</b>; exact McNemar p = <b>{Pv(t.PValue)}</b> ");
        sb.Append("(the chance of a split at least this uneven if A and B were equally good).</p>");
        sb.Append("<table><tr><th>data folder</th><th>leaves</th><th>A right</th><th>B right</th><th>only A right</th><th>only B right</th><th>McNemar p</th><th>A rejected</th><th>B rejected</th></tr>");
        foreach (var g in c.PairedBySource.Append(c.Paired))
            sb.Append($"<tr><td>{E(g.Name)}</td><td>{g.Photos}</td><td>{P(g.AccuracyA)}</td><td>{P(g.AccuracyB)}</td><td>{g.Test.OnlyARight}</td><td>{g.Test.OnlyBRight}</td><td>{Pv(g.Test.PValue)}</td><td>{P(g.LeavesRejectedA)}</td><td>{P(g.LeavesRejectedB)}</td></tr>");
        sb.Append("</table>");

        sb.Append("<h2>Headline figures</h2><table><tr><th>metric</th><th>A</th><th>B</th></tr>");
        void Row(string name, string va, string vb) => sb.Append($"<tr><td>{name}</td><td>{va}</td><td>{vb}</td></tr>");
        Row("leaves scored", c.A.Images.ToString(CultureInfo.InvariantCulture), c.B.Images.ToString(CultureInfo.InvariantCulture));
        Row("stress accuracy (top class, rejection ignored)", P(c.A.Accuracy), P(c.B.Accuracy));
        Row("stress macro-F1", F(c.A.MacroF1), F(c.B.MacroF1));
        Row("severity accuracy", P(c.A.SeverityAccuracy), P(c.B.SeverityAccuracy));
        Row("severity mean absolute error", c.A.SeverityMae is { } ma ? F(ma) : "", c.B.SeverityMae is { } mb ? F(mb) : "");
        Row("expected calibration error", F(c.A.Ece), F(c.B.Ece));
        Row("uncertain", P(c.A.UncertainRate), P(c.B.UncertainRate));
        Row("rejected (leaves)", P(c.A.RejectedRate), P(c.B.RejectedRate));
        if (c.A.NotLeafImages is not null) Row($"not leaves rejected ({c.A.NotLeafImages})", P(c.A.NotLeafRejectedRate), P(c.B.NotLeafRejectedRate));
        sb.Append("</table>");

        sb.Append("<h2>Per data folder and framing</h2><table><tr><th>group</th><th>leaves</th><th>accuracy A</th><th>accuracy B</th><th>macro-F1 A</th><th>macro-F1 B</th><th>severity A</th><th>severity B</th><th>rejected A</th><th>rejected B</th><th>uncertain A</th><th>uncertain B</th></tr>");
        foreach (var ga in c.A.Groups)
        {
            var gb = c.B.Groups.FirstOrDefault(g => g.Name == ga.Name);
            sb.Append($"<tr><td>{E(ga.Name)}</td><td>{ga.Images}</td><td>{P(ga.Accuracy)}</td><td>{(gb is null ? "" : P(gb.Accuracy))}</td><td>{F(ga.MacroF1)}</td><td>{(gb is null ? "" : F(gb.MacroF1))}</td>" +
                      $"<td>{P(ga.SeverityAccuracy)}</td><td>{P(gb?.SeverityAccuracy)}</td><td>{P(ga.RejectedRate)}</td><td>{P(gb?.RejectedRate)}</td><td>{P(ga.UncertainRate)}</td><td>{P(gb?.UncertainRate)}</td></tr>");
        }
        sb.Append("</table>");

        sb.Append("<h2>Recall per class and data folder</h2><table><tr><th>group</th><th>class</th><th>A</th><th>B</th></tr>");
        foreach (var ga in c.A.Groups.Where(g => g.Name.StartsWith("source ", StringComparison.Ordinal)))
        {
            var gb = c.B.Groups.FirstOrDefault(g => g.Name == ga.Name);
            foreach (var (label, recall) in ga.PerClassRecall.OrderBy(r => r.Key, StringComparer.Ordinal))
                sb.Append($"<tr><td>{E(ga.Name)}</td><td>{E(label)}</td><td>{F(recall)}</td><td>{(gb?.PerClassRecall.TryGetValue(label, out var rb) == true ? F(rb) : "")}</td></tr>");
        }
        sb.Append("</table>");

        sb.Append($"<h2>Where they disagree ({c.DisagreementCount} leaves{(c.DisagreementCount > c.Disagreements.Count ? $", the first {c.Disagreements.Count} shown" : "")})</h2>");
        sb.Append("<p>Different main stress or different status; those where exactly one model is right first.</p><table><tr><th>photo</th><th>file</th><th>truth</th><th>A</th><th>B</th></tr>");
        static string Ans(PairedAnswer x) => $"<span class=\"{(x.Right ? "right" : "wrong")}\">{E(x.Label)} {P(x.Confidence)} ({E(x.Status)})</span>";
        foreach (var d in c.Disagreements)
            sb.Append($"<tr><td>{(d.Thumbnail is { } th ? $"<img src=\"{E(th)}\" alt=\"{E(d.File)}\">" : "")}</td><td><code>{E(d.Source)}/{E(d.File)}</code></td><td>{E(d.Truth)}</td><td>{Ans(d.A)}</td><td>{Ans(d.B)}</td></tr>");
        sb.Append("</table></html>\n");
        return sb.ToString();
    }
}
