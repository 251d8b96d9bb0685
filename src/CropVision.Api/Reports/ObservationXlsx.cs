using CropVision.FieldStore.Model;
using CropVision.FieldStore.Summaries;
using CropVision.Serving.Catalogue;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace CropVision.Api.Reports;

/// <summary>
/// The Excel workbook: a sheet of observations with typed cells (numbers as numbers, taken-at as an Excel date in the
/// region's time, plus the ISO text with its offset) and a sheet of the summary by plot. Headings in Vietnamese.
/// </summary>
public static class ObservationXlsx
{
    public const string ObservationsSheet = "Quan sát";
    public const string PlotsSheet = "Theo lô";

    // Style indexes into the stylesheet below.
    private const uint Header = 1, Date = 2, Percent = 3, Decimal = 4;

    /// <summary>Where taken-at came from, in the words an officer uses.</summary>
    public static string TakenAtSourceVi(TakenAtSource s) => s switch
    {
        TakenAtSource.Exif => "EXIF của ảnh",
        TakenAtSource.Client => "điện thoại",
        _ => "lúc tải lên / nhập",
    };

    public static string PositionSourceVi(PositionSource s) => s switch
    {
        PositionSource.Exif => "GPS trong ảnh",
        PositionSource.Client => "điện thoại",
        _ => "không có",
    };

    public static byte[] Write(IReadOnlyList<Observation> observations, Survey survey, SummaryResponse summary, IReadOnlyList<Plot> plots, DiseaseCatalogue catalogue, RegionTime time)
    {
        using var buffer = new MemoryStream();
        using (var doc = SpreadsheetDocument.Create(buffer, SpreadsheetDocumentType.Workbook))
        {
            var book = doc.AddWorkbookPart();
            book.Workbook = new Workbook();
            book.AddNewPart<WorkbookStylesPart>().Stylesheet = Styles();
            var sheets = book.Workbook.AppendChild(new Sheets());
            AddSheet(book, sheets, 1, ObservationsSheet, ObservationRows(observations, survey, catalogue, time));
            AddSheet(book, sheets, 2, PlotsSheet, PlotRows(summary, plots));
            book.Workbook.Save();
        }
        return buffer.ToArray();
    }

    private static IEnumerable<Row> ObservationRows(IEnumerable<Observation> observations, Survey survey, DiseaseCatalogue catalogue, RegionTime time)
    {
        yield return HeaderRow("Mã quan sát", "Điều tra", "Cây trồng", $"Thời điểm chụp ({time.Zone.Id})", "Thời điểm chụp (ISO, có múi giờ)",
            "Nguồn thời điểm", "Vĩ độ", "Kinh độ", "Nguồn vị trí", "Lô", "Xã", "Cán bộ", "Nhãn", "Tên bệnh", "Mức độ", "Mô hình: nhãn",
            "Mô hình: độ tin cậy", "Mô hình: phiên bản", "Đã kiểm tra", "Người kiểm tra", "Ghi chú", "Tệp gốc");
        foreach (var o in observations)
        {
            var label = SurveySummary.LabelOf(o);
            var name = label is null ? null : catalogue.Label(o.Crop, label).Vi;
            yield return new Row(
                Text(o.Id.ToString()), Text(survey.Name), Text(catalogue.Crops.TryGetValue(o.Crop, out var crop) ? crop.Name.Vi : o.Crop), DateCell(time.Local(o.TakenAt)), Text(time.Iso(o.TakenAt)),
                Text(TakenAtSourceVi(o.TakenAtSource)), Number(o.Latitude), Number(o.Longitude), Text(PositionSourceVi(o.PositionSource)),
                Text(o.PlotCode), Text(o.Commune), Text(o.Officer), Text(label), Text(name), Number(ObservationGeoJson.GradeNumber(SurveySummary.SeverityOf(o))),
                Text(o.ModelLabel), Number(o.ModelConfidence, Decimal), Number(o.ModelVersion), Bool(o.IsReviewed), Text(o.ReviewedBy), Text(o.Notes), Text(o.OriginalName));
        }
    }

    /// <summary>The summary by plot, with each plot record's name, commune and area where the code names one.</summary>
    private static IEnumerable<Row> PlotRows(SummaryResponse summary, IReadOnlyList<Plot> plots)
    {
        var byCode = plots.GroupBy(p => p.Code).ToDictionary(g => g.Key, g => g.First());
        yield return HeaderRow([.. new[] { "Lô", "Tên lô", "Xã", "Diện tích (m²)", "Số quan sát", "Tỷ lệ đã kiểm tra", "Lá được đánh giá", "% lá bị bệnh" }
            .Concat(summary.Labels.Select(l => $"Tỷ lệ: {l.Vi}")).Append("Mức độ trung bình")]);
        foreach (var g in summary.ByPlot)
        {
            var plot = g.Key is { } code ? byCode.GetValueOrDefault(code) : null;
            var row = new Row(Text(g.Key ?? "(không ghi)"), Text(plot?.Name), Text(plot?.Commune), Number(plot?.AreaM2, Decimal),
                Number(g.Observations), Number(g.ReviewedShare, Percent), Number(g.Assessed), Number(g.DiseasedShare, Percent));
            foreach (var l in summary.Labels) row.Append(Number(g.Incidence.GetValueOrDefault(l.Label), Percent));
            row.Append(Number(g.MeanSeverity, Decimal));
            yield return row;
        }
    }

    private static void AddSheet(WorkbookPart book, Sheets sheets, uint id, string name, IEnumerable<Row> rows)
    {
        var part = book.AddNewPart<WorksheetPart>();
        var data = new SheetData();
        foreach (var r in rows) data.Append(r);
        // The heading row stays in view while scrolling.
        var view = new SheetViews(new SheetView(new Pane { VerticalSplit = 1, TopLeftCell = "A2", ActivePane = PaneValues.BottomLeft, State = PaneStateValues.Frozen })
        { TabSelected = id == 1, WorkbookViewId = 0 });
        part.Worksheet = new Worksheet(view, new SheetFormatProperties { DefaultRowHeight = 15 }, new Columns(new Column { Min = 1, Max = 30, Width = 18, CustomWidth = true }), data);
        sheets.Append(new Sheet { Id = book.GetIdOfPart(part), SheetId = id, Name = name });
    }

    private static Row HeaderRow(params string[] names) => new([.. names.Select(n => { var c = Text(n); c.StyleIndex = Header; return c; })]);

    private static Cell Text(string? s) => s is null ? new Cell() : new Cell { DataType = CellValues.InlineString, InlineString = new InlineString(new DocumentFormat.OpenXml.Spreadsheet.Text(s)) };

    private static Cell Number(double? v, uint style = 0) => v is { } n ? new Cell { CellValue = new CellValue(n), DataType = CellValues.Number, StyleIndex = style == 0 ? null : style } : new Cell();

    private static Cell Number(int? v) => v is { } n ? new Cell { CellValue = new CellValue(n), DataType = CellValues.Number } : new Cell();

    private static Cell Bool(bool v) => new() { CellValue = new CellValue(v), DataType = CellValues.Boolean };

    /// <summary>An Excel date: the serial number of the local wall-clock time, shown through a date format.</summary>
    private static Cell DateCell(DateTimeOffset local) => new() { CellValue = new CellValue(local.DateTime.ToOADate()), DataType = CellValues.Number, StyleIndex = Date };

    private static Stylesheet Styles() => new(
        new NumberingFormats(new NumberingFormat { NumberFormatId = 164, FormatCode = "yyyy-mm-dd hh:mm:ss" }) { Count = 1 },
        new Fonts(new Font(), new Font(new Bold())) { Count = 2 },
        new Fills(new Fill(new PatternFill { PatternType = PatternValues.None }), new Fill(new PatternFill { PatternType = PatternValues.Gray125 })) { Count = 2 },
        new Borders(new Border()) { Count = 1 },
        new CellFormats(
            new CellFormat(),
            new CellFormat { FontId = 1, ApplyFont = true },
            new CellFormat { NumberFormatId = 164, ApplyNumberFormat = true },
            new CellFormat { NumberFormatId = 10, ApplyNumberFormat = true }, // 0.00%
            new CellFormat { NumberFormatId = 2, ApplyNumberFormat = true })  // 0.00
        { Count = 5 });
}
