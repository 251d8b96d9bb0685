using System.Globalization;
using System.Text;
using CropVision.FieldStore.Model;
using CropVision.FieldStore.Summaries;

namespace CropVision.Api.Reports;

/// <summary>The printable report: the summary as tables and SVG bar charts in one self-contained HTML page (Vietnamese or English).</summary>
public static class SurveyReport
{
    private static readonly Dictionary<string, (string Vi, string En)> Text = new()
    {
        ["title"] = ("Báo cáo điều tra", "Survey report"),
        ["crop"] = ("Cây trồng", "Crop"),
        ["area"] = ("Địa bàn", "Area"),
        ["dates"] = ("Thời gian", "Dates"),
        ["team"] = ("Nhóm", "Team"),
        ["generated"] = ("Lập lúc", "Generated"),
        ["observations"] = ("Số quan sát", "Observations"),
        ["reviewed"] = ("Đã kiểm tra", "Reviewed"),
        ["assessed"] = ("Lá được đánh giá", "Leaves assessed"),
        ["incidence"] = ("Tỷ lệ nhiễm theo loại (tỷ lệ lá)", "Incidence by stress (share of leaves)"),
        ["severity"] = ("Phân bố mức độ bệnh", "Severity distribution"),
        ["meanSeverity"] = ("Mức độ trung bình", "Mean severity"),
        ["byPlot"] = ("Theo lô", "By plot"),
        ["byCommune"] = ("Theo xã", "By commune"),
        ["plot"] = ("Lô", "Plot"),
        ["commune"] = ("Xã", "Commune"),
        ["none"] = ("(không ghi)", "(none)"),
        ["agreement"] = ("Mô hình so với cán bộ (lá đã kiểm tra)", "Model against officers (reviewed leaves)"),
        ["agreementNote"] = ("Hàng: nhãn của cán bộ; cột: nhãn của mô hình.", "Rows: the officer's label; columns: the model's."),
        ["accuracy"] = ("Tỷ lệ trùng khớp", "Agreement"),
        ["noReview"] = ("Chưa có quan sát nào được kiểm tra.", "No observation has been reviewed yet."),
        ["map"] = ("Bản đồ điểm quan sát", "Map of the observations"),
        ["mapNote"] = ("Màu theo nhãn, kích thước theo mức độ; {0} quan sát không có vị trí không được vẽ.", "Colour by label, size by severity; {0} observations without a position are not drawn."),
        ["scale"] = ("tỷ lệ gần đúng", "approximate scale"),
        ["list"] = ("Danh sách quan sát", "Observations"),
        ["photo"] = ("Ảnh", "Photo"),
        ["takenAt"] = ("Thời điểm chụp", "Taken at"),
        ["source"] = ("nguồn", "source"),
        ["label"] = ("Nhãn", "Label"),
        ["grade"] = ("Mức độ", "Severity"),
        ["page"] = ("Trang", "Page"),
        ["preparedBy"] = ("Người lập báo cáo", "Prepared by"),
        ["approvedBy"] = ("Xác nhận của đơn vị", "Approved by"),
        ["sign"] = ("(Ký, ghi rõ họ tên)", "(Signature and full name)"),
        ["date"] = ("Ngày ...... tháng ...... năm ......", "Date: ...................."),
        ["note"] = ("Nhãn tính: của cán bộ nếu đã kiểm tra, nếu không thì của mô hình; ảnh mô hình từ chối chỉ được tính sau khi kiểm tra.",
                    "Label counted: the officer's when reviewed, else the model's; photos the model rejected count only once reviewed."),
    };

    /// <summary>What the report shows besides the summary: the observations (map, list), plot boundaries, times, thumbnails.</summary>
    public sealed record Details(IReadOnlyList<Observation> Observations, IReadOnlyList<PlotShape> Plots, RegionTime Time, Func<Observation, string?> Thumbnail,
        CropVision.Serving.Catalogue.Text? CropName = null);

    public static string Render(Survey survey, SummaryResponse summary, string lang, DateTimeOffset now, Details details)
    {
        string T(string key) => lang == "en" ? Text[key].En : Text[key].Vi;
        string Name(string label) => summary.Labels.FirstOrDefault(l => l.Label == label) is { } n ? (lang == "en" ? n.En : n.Vi) : label;
        string Grade(string grade) => summary.SeverityGrades.FirstOrDefault(g => g.Label == grade) is { } n ? (lang == "en" ? n.En : n.Vi) : grade;
        static string Pct(double v) => (v * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%";

        var o = summary.Overall;
        var html = new StringBuilder();
        html.Append($"<!DOCTYPE html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{E(T("title"))}: {E(survey.Name)}</title><style>")
            .Append("body{font-family:system-ui,sans-serif;margin:2em;color:#222}h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em}")
            .Append("table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #bbb;padding:.25em .6em;text-align:right}th:first-child,td:first-child{text-align:left}")
            .Append(".facts td{border:none;text-align:left;padding:.1em .8em .1em 0}.note{color:#555;font-size:.9em}svg text{font-size:12px}")
            .Append(".obs img{width:64px;height:64px;object-fit:cover}.obs td{vertical-align:top;text-align:left}.sign{display:flex;justify-content:space-between;margin-top:3em;break-inside:avoid}")
            .Append(".sign div{width:45%;text-align:center}.sign .line{margin-top:4.5em;border-top:1px solid #222}")
            // A4 with the page number in the bottom margin box (Chromium prints @page margin boxes).
            .Append($"@page{{size:A4;margin:16mm 14mm 18mm;@bottom-center{{content:\"{T("page")} \" counter(page) \" / \" counter(pages);font-size:9pt;color:#555}}}}")
            .Append("@media print{body{margin:0}h2{break-after:avoid}tr,svg{break-inside:avoid}}</style></head><body>");
        html.Append($"<h1>{E(T("title"))}: {E(survey.Name)}</h1><table class=\"facts\">")
            .Append($"<tr><td>{E(T("crop"))}</td><td>{E(details.CropName is { } crop ? (lang == "en" ? crop.En : crop.Vi) : survey.Crop)}</td></tr>")
            .Append($"<tr><td>{E(T("area"))}</td><td>{E(string.Join(", ", new[] { survey.Commune, survey.District }.Where(s => !string.IsNullOrEmpty(s))))}</td></tr>")
            .Append($"<tr><td>{E(T("dates"))}</td><td>{survey.StartsOn:yyyy-MM-dd} – {survey.EndsOn:yyyy-MM-dd}</td></tr>")
            .Append($"<tr><td>{E(T("team"))}</td><td>{E(survey.Team)}</td></tr>")
            .Append($"<tr><td>{E(T("generated"))}</td><td>{E(details.Time.Readable(now))}</td></tr>")
            .Append($"<tr><td>{E(T("observations"))}</td><td>{o.Observations}</td></tr>")
            .Append($"<tr><td>{E(T("reviewed"))}</td><td>{o.Reviewed} ({Pct(o.ReviewedShare)})</td></tr>")
            .Append($"<tr><td>{E(T("assessed"))}</td><td>{o.Assessed}</td></tr>")
            .Append($"<tr><td>{E(T("meanSeverity"))}</td><td>{o.MeanSeverity?.ToString("0.00", CultureInfo.InvariantCulture) ?? "–"}</td></tr></table>");
        html.Append($"<p class=\"note\">{E(T("note"))}</p>");
        var placed = details.Observations.Where(x => x.Latitude is not null && x.Longitude is not null).ToList();
        html.Append($"<h2>{E(T("map"))}</h2>")
            .Append(ReportMap.Svg([.. placed.Select(x => new MapPoint(x.Latitude!.Value, x.Longitude!.Value, SurveySummary.LabelOf(x), ObservationGeoJson.GradeNumber(SurveySummary.SeverityOf(x))))],
                details.Plots, T("scale")))
            .Append($"<p class=\"note\">{E(string.Format(CultureInfo.InvariantCulture, T("mapNote"), details.Observations.Count - placed.Count))} ")
            .Append(string.Join(" ", summary.Labels.Select(l => $"<span style=\"color:{ObservationKml.ColourOf(l.Label)}\">●</span> {E(Name(l.Label))}"))).Append("</p>");

        html.Append($"<h2>{E(T("incidence"))}</h2>").Append(Bars(o.Incidence.Select(kv => (Name(kv.Key), kv.Value, Pct(kv.Value))).ToList(), 1.0));
        if (o.Severity.Count > 0)
        {
            int max = o.Severity.Values.Max();
            html.Append($"<h2>{E(T("severity"))}</h2>").Append(Bars(o.Severity.Select(kv => (Grade(kv.Key), (double)kv.Value, kv.Value.ToString(CultureInfo.InvariantCulture))).ToList(), max));
        }
        foreach (var (title, keyTitle, groups) in new[] { (T("byPlot"), T("plot"), summary.ByPlot), (T("byCommune"), T("commune"), summary.ByCommune) })
        {
            html.Append($"<h2>{E(title)}</h2><table><tr><th>{E(keyTitle)}</th><th>{E(T("observations"))}</th><th>{E(T("reviewed"))}</th>");
            foreach (var l in summary.Labels) html.Append($"<th>{E(Name(l.Label))}</th>");
            html.Append($"<th>{E(T("meanSeverity"))}</th></tr>");
            foreach (var g in groups)
            {
                html.Append($"<tr><td>{E(g.Key ?? T("none"))}</td><td>{g.Observations}</td><td>{Pct(g.ReviewedShare)}</td>");
                foreach (var l in summary.Labels) html.Append($"<td>{Pct(g.Incidence.GetValueOrDefault(l.Label))}</td>");
                html.Append($"<td>{g.MeanSeverity?.ToString("0.00", CultureInfo.InvariantCulture) ?? "–"}</td></tr>");
            }
            html.Append("</table>");
        }
        html.Append($"<h2>{E(T("agreement"))}</h2>");
        if (summary.Agreement is { } a)
        {
            html.Append($"<p>{E(T("accuracy"))}: {a.Agreed}/{a.Reviewed} = {Pct(a.Accuracy)}. <span class=\"note\">{E(T("agreementNote"))}</span></p><table><tr><th></th>");
            foreach (var l in a.Labels) html.Append($"<th>{E(Name(l))}</th>");
            html.Append("</tr>");
            for (int r = 0; r < a.Labels.Count; r++)
            {
                html.Append($"<tr><th>{E(Name(a.Labels[r]))}</th>");
                foreach (var v in a.Matrix[r]) html.Append($"<td>{v}</td>");
                html.Append("</tr>");
            }
            html.Append("</table>");
        }
        else html.Append($"<p>{E(T("noReview"))}</p>");
        AppendList(html, details, T, Name);
        html.Append($"<div class=\"sign\" data-testid=\"signature\"><div>{E(T("date"))}<br><b>{E(T("approvedBy"))}</b><br>{E(T("sign"))}<div class=\"line\"></div></div>")
            .Append($"<div><br><b>{E(T("preparedBy"))}</b><br>{E(T("sign"))}<div class=\"line\"></div></div></div>");
        return html.Append("</body></html>").ToString();
    }

    /// <summary>One row per observation with its thumbnail inlined (a data URI), so a saved copy needs no sign-in.</summary>
    private static void AppendList(StringBuilder html, Details details, Func<string, string> T, Func<string, string> name)
    {
        html.Append($"<h2>{E(T("list"))}</h2><table class=\"obs\"><tr><th>{E(T("photo"))}</th><th>{E(T("takenAt"))}</th><th>{E(T("plot"))}</th><th>{E(T("label"))}</th><th>{E(T("grade"))}</th></tr>");
        foreach (var o in details.Observations)
        {
            var thumb = details.Thumbnail(o);
            var label = SurveySummary.LabelOf(o);
            html.Append($"<tr><td>{(thumb is null ? "–" : $"<img alt=\"\" src=\"{thumb}\">")}</td>")
                .Append($"<td>{E(details.Time.Iso(o.TakenAt))}<br><span class=\"note\">{E(T("source"))}: {E(o.TakenAtSource.ToString().ToLowerInvariant())}</span></td>")
                .Append($"<td>{E(o.PlotCode ?? T("none"))}</td><td>{E(label is null ? T("none") : name(label))}</td><td>{E(SurveySummary.SeverityOf(o) ?? "–")}</td></tr>");
        }
        html.Append("</table>");
    }

    private static string E(string? s) => Encode(s);

    /// <summary>Escapes markup only; Vietnamese stays readable in the source (the page is UTF-8).</summary>
    private static string Encode(string? s) =>
        (s ?? "").Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;").Replace("'", "&#39;");

    /// <summary>A horizontal bar chart as inline SVG (prints everywhere, needs no script).</summary>
    private static string Bars(IReadOnlyList<(string Label, double Value, string Text)> bars, double max)
    {
        const int rowHeight = 24, labelWidth = 200, barWidth = 360;
        var svg = new StringBuilder($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{labelWidth + barWidth + 70}\" height=\"{bars.Count * rowHeight + 4}\" role=\"img\">");
        for (int i = 0; i < bars.Count; i++)
        {
            var (label, value, text) = bars[i];
            int y = i * rowHeight + 2;
            double w = max <= 0 ? 0 : Math.Max(0, value / max) * barWidth;
            svg.Append($"<text x=\"0\" y=\"{y + 16}\">{Encode(label)}</text>")
               .Append($"<rect x=\"{labelWidth}\" y=\"{y + 3}\" width=\"{w.ToString("0.#", CultureInfo.InvariantCulture)}\" height=\"{rowHeight - 8}\" fill=\"#3b7d3b\"/>")
               .Append($"<text x=\"{(labelWidth + w + 6).ToString("0.#", CultureInfo.InvariantCulture)}\" y=\"{y + 16}\">{Encode(text)}</text>");
        }
        return svg.Append("</svg>").ToString();
    }
}
