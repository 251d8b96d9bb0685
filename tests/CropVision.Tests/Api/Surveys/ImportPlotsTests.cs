using System.IO.Compression;
using System.Text;
using CropVision.Api.Jobs;

namespace CropVision.Tests.Api.Surveys;

/// <summary>Which plot each photo of a zip gets: sidecar, then folder, then the typed code; one wrapping folder yields to a typed code.</summary>
[Trait("Category", "Fast")]
public sealed class ImportPlotsTests
{
    private static ZipArchive Zip(params (string Name, string Text)[] entries)
    {
        var bytes = new MemoryStream();
        using (var zip = new ZipArchive(bytes, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, text) in entries)
                using (var w = new StreamWriter(zip.CreateEntry(name).Open(), new UTF8Encoding(false))) w.Write(text);
        bytes.Position = 0;
        return new ZipArchive(bytes, ZipArchiveMode.Read);
    }

    [Fact]
    public void Plot_folders_win_over_a_typed_code()
    {
        using var zip = Zip(("Lo-A/1.jpg", "x"), ("Lo-B/2.jpg", "x"), ("Lo-C/3.jpg", "x"), ("4.jpg", "x"));
        var plots = ImportPlots.Assign(zip, "Lô A");
        Assert.Equal("Lo-A", plots["Lo-A/1.jpg"]);
        Assert.Equal("Lo-C", plots["Lo-C/3.jpg"]);
        Assert.Equal("Lô A", plots["4.jpg"]); // no folder: the typed code
    }

    [Fact]
    public void One_folder_wrapping_every_photo_yields_to_the_typed_code_but_names_the_plot_without_one()
    {
        using (var zip = Zip(("Anh dieu tra/1.jpg", "x"), ("Anh dieu tra/2.jpg", "x")))
            Assert.All(ImportPlots.Assign(zip, "Lô A").Values, code => Assert.Equal("Lô A", code));
        using (var zip = Zip(("Lo-A/1.jpg", "x"), ("Lo-A/2.jpg", "x")))
            Assert.All(ImportPlots.Assign(zip, null).Values, code => Assert.Equal("Lo-A", code));
    }

    [Fact]
    public void The_sidecar_wins_over_folders_and_the_typed_code()
    {
        using var zip = Zip(("plots.csv", "\uFEFFtệp;lô\nLo-A/1.jpg;Lô Bảy\n"), ("Lo-A/1.jpg", "x"), ("Lo-A/2.jpg", "x"));
        var plots = ImportPlots.Assign(zip, "Lô A");
        Assert.Equal("Lô Bảy", plots["Lo-A/1.jpg"]);
        Assert.Equal("Lô A", plots["Lo-A/2.jpg"]); // one wrapping folder and a typed code: the typed code
    }
}
