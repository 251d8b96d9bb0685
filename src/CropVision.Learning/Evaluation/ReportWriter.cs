using System.Globalization;
using System.Net;
using System.Text;

namespace CropVision.Learning.Evaluation;

/// <summary>Writes metrics.json, report.html and the three pictures it shows into a folder.</summary>
public static class ReportWriter
{
    public const string MetricsFile = "metrics.json";
    public const string HtmlFile = "report.html";

    public const string MistakesFolder = "mistakes";
    private const int ThumbnailSide = 128;

    public static void Write(EvaluationReport r, string folder, string title)
    {
        Directory.CreateDirectory(folder);
        r = r with { Mistakes = WriteThumbnails(r.Mistakes, folder) };
        File.WriteAllText(Path.Combine(folder, MetricsFile), r.ToJson() + "\n");
        File.WriteAllBytes(Path.Combine(folder, "confusion.png"), ReportCharts.ConfusionMatrix(r.Labels, r.Confusion));
        File.WriteAllBytes(Path.Combine(folder, "reliability.png"), ReportCharts.ReliabilityDiagram(r.Stress.Reliability, r.Ece));
        File.WriteAllBytes(Path.Combine(folder, "coverage.png"), ReportCharts.CoverageAccuracyCurve(r.Stress.Reliability));
        File.WriteAllText(Path.Combine(folder, HtmlFile), Html(r, title));
    }

    /// <summary>Small JPEG thumbnails of the mistakes (a photo that cannot be read again simply gets none).</summary>
    private static List<Mistake> WriteThumbnails(IReadOnlyList<Mistake> mistakes, string folder)
    {
        var result = new List<Mistake>(mistakes.Count);
        var dir = Path.Combine(folder, MistakesFolder);
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        for (int i = 0; i < mistakes.Count; i++)
        {
            var m = mistakes[i];
            var name = $"{MistakesFolder}/{i + 1:D2}.jpg";
            result.Add(WriteThumbnail(m.FullPath, Path.Combine(folder, name)) ? m with { Thumbnail = name } : m);
        }
        return result;
    }

    /// <summary>A small JPEG of the photo at <paramref name="destination"/>; false (and nothing written) when the photo cannot be read again.</summary>
    public static bool WriteThumbnail(string photo, string destination)
    {
        try
        {
            using var image = CropVision.Core.Preprocessing.ImageDecoder.DecodeUpright(File.ReadAllBytes(photo), ThumbnailSide, ThumbnailSide);
            double scale = Math.Min(1.0, ThumbnailSide / (double)Math.Max(image.Width, image.Height));
            using var small = image.Resize(new SkiaSharp.SKImageInfo(Math.Max(1, (int)(image.Width * scale)), Math.Max(1, (int)(image.Height * scale))),
                new SkiaSharp.SKSamplingOptions(SkiaSharp.SKFilterMode.Linear, SkiaSharp.SKMipmapMode.None));
            using var data = small.Encode(SkiaSharp.SKEncodedImageFormat.Jpeg, 80);
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.WriteAllBytes(destination, data.ToArray());
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CropVision.Core.Preprocessing.ImageDecodeException)
        {
            return false;
        }
    }

    private static string P(double v) => v.ToString("P1", CultureInfo.InvariantCulture);
    private static string F(double v) => v.ToString("F3", CultureInfo.InvariantCulture);
    private static string E(string s) => WebUtility.HtmlEncode(s);

    public static string Html(EvaluationReport r, string title)
    {
        var sb = new StringBuilder();
        sb.Append($"<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>{E(title)}</title>");
        sb.Append("<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .6rem;text-align:right}th:first-child,td:first-child{text-align:left}figure{display:inline-block;margin:1rem}</style>");
        sb.Append($"<h1>{E(title)}</h1><p>Model <b>{E(r.Model)}</b>, data <code>{E(r.Data)}</code>, split <b>{E(r.Split)}</b>, {r.Images} images scored, {r.CreatedUtc:yyyy-MM-dd HH:mm} UTC.</p>");
        sb.Append("<h2>Summary</h2><table><tr><th>metric</th><th>value</th></tr>");
        sb.Append($"<tr><td>stress accuracy</td><td>{P(r.Accuracy)}</td></tr><tr><td>stress macro-F1</td><td>{F(r.MacroF1)}</td></tr>");
        sb.Append($"<tr><td>expected calibration error</td><td>{F(r.Ece)}</td></tr>");
        if (r.SeverityAccuracy is { } sa) sb.Append($"<tr><td>severity accuracy</td><td>{P(sa)}</td></tr><tr><td>severity mean absolute error (grades)</td><td>{F(r.SeverityMae ?? 0)}</td></tr>");
        if (r.StressFlagsMacroF1 is { } ff) sb.Append($"<tr><td>stress flags macro-F1 (multi-label)</td><td>{F(ff)}</td></tr>");
        if (r.UncertainRate is { } u) sb.Append($"<tr><td>marked uncertain by the calibrated threshold</td><td>{P(u)}</td></tr>");
        if (r.RejectedRate is { } rr) sb.Append($"<tr><td>rejected as not a leaf of this crop</td><td>{P(rr)}</td></tr>");
        sb.Append("</table>");

        if (r.NotLeafRejectedRate is { } nl) sb.Append($"<p>Photos that are not leaves: {r.NotLeafImages} scored, <b>{P(nl)}</b> rejected.</p>");
        if (r.AugmentedNotLeafRejectedRate is { } anl) sb.Append($"<p>Augmented copies of them (field proxy): <b>{P(anl)}</b> rejected.</p>");
        if (r.Groups.Any(g => g.Name.StartsWith("augmented", StringComparison.Ordinal)))
            sb.Append("<p>Augmented val copies: one seeded field-like copy of each val photo (crop, rotation, colour, blur, downscale, JPEG; see the manifest's augmentation), scored on its first flip's two views. A proxy for field photos, which we do not have; never trained on.</p>");
        if (r.Groups.Count > 0)
        {
            sb.Append("<h2>Per source and per framing (leaves)</h2><table><tr><th>group</th><th>images</th><th>stress accuracy</th><th>macro-F1</th><th>severity accuracy</th><th>rejected</th><th>uncertain</th><th>recall per class</th></tr>");
            foreach (var g in r.Groups)
                sb.Append($"<tr><td>{E(g.Name)}</td><td>{g.Images}</td><td>{P(g.Accuracy)}</td><td>{F(g.MacroF1)}</td><td>{(g.SeverityAccuracy is { } s ? P(s) : "")}</td><td>{P(g.RejectedRate)}</td><td>{P(g.UncertainRate)}</td>" +
                          $"<td>{E(string.Join(", ", g.PerClassRecall.Select(c => $"{c.Key} {c.Value:F2}")))}</td></tr>");
            sb.Append("</table>");
        }
        sb.Append("<h2>Per class (main stress)</h2><table><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>");
        foreach (var c in r.Stress.PerClass) sb.Append($"<tr><td>{E(c.Label)}</td><td>{F(c.Precision)}</td><td>{F(c.Recall)}</td><td>{F(c.F1)}</td><td>{c.Support}</td></tr>");
        sb.Append("</table>");
        if (r.Flags is { } flags)
        {
            sb.Append("<h2>Per stress flag (a leaf can carry several)</h2><table><tr><th>stress</th><th>precision</th><th>recall</th><th>F1</th><th>leaves with it</th></tr>");
            foreach (var c in flags.PerFlag) sb.Append($"<tr><td>{E(c.Label)}</td><td>{F(c.Precision)}</td><td>{F(c.Recall)}</td><td>{F(c.F1)}</td><td>{c.Support}</td></tr>");
            sb.Append($"</table><p>All flags exactly right on {P(flags.ExactMatch)} of leaves.</p>");
        }
        if (r.Severity is { } sev)
        {
            sb.Append("<h2>Severity</h2><table><tr><th>grade</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>");
            foreach (var c in sev.PerClass) sb.Append($"<tr><td>{E(c.Label)}</td><td>{F(c.Precision)}</td><td>{F(c.Recall)}</td><td>{F(c.F1)}</td><td>{c.Support}</td></tr>");
            sb.Append("</table>");
        }
        sb.Append("<h2>Confusion matrix</h2><p>Rows: true class; columns: predicted.</p><table><tr><th></th>");
        foreach (var l in r.Labels) sb.Append($"<th>{E(l)}</th>");
        sb.Append("</tr>");
        for (int i = 0; i < r.Labels.Count; i++)
        {
            sb.Append($"<tr><td>{E(r.Labels[i])}</td>");
            foreach (var v in r.Confusion[i]) sb.Append($"<td>{v}</td>");
            sb.Append("</tr>");
        }
        sb.Append("</table>");
        sb.Append("<h2>Pictures</h2><figure><img src=\"confusion.png\" alt=\"Confusion matrix\"><figcaption>Confusion matrix (main stress)</figcaption></figure>");
        sb.Append("<figure><img src=\"reliability.png\" alt=\"Reliability diagram\"><figcaption>Reliability diagram</figcaption></figure>");
        sb.Append("<figure><img src=\"coverage.png\" alt=\"Coverage-accuracy curve\"><figcaption>Coverage and accuracy: answering only above each top probability</figcaption></figure>");
        if (r.Mistakes.Count > 0)
        {
            sb.Append("<h2>Worst mistakes</h2><p>Most confident first, each kind given a place: wrong main stress, leaves rejected, photos that are not leaves accepted.</p><table><tr><th>photo</th><th>kind</th><th>file</th><th>framing</th><th>truth</th><th>answer</th><th>confidence</th></tr>");
            foreach (var m in r.Mistakes)
                sb.Append($"<tr><td>{(m.Thumbnail is { } t ? $"<img src=\"{E(t)}\" alt=\"{E(m.File)}\">" : "")}</td><td>{E(m.Kind)}</td><td><code>{E(m.Source)}/{E(m.File)}</code></td><td>{E(m.Framing)}</td><td>{E(m.Truth)}</td><td>{E(m.Predicted)}</td><td>{P(m.Confidence)}</td></tr>");
            sb.Append("</table>");
        }
        if (r.Skipped.Count > 0)
        {
            sb.Append($"<h2>Skipped images ({r.Skipped.Count})</h2><ul>");
            foreach (var s in r.Skipped) sb.Append($"<li><code>{E(s.RelativePath)}</code>: {E(s.Reason)}</li>");
            sb.Append("</ul>");
        }
        sb.Append("</html>\n");
        return sb.ToString();
    }
}
