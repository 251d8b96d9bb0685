using System.Text;
using CropVision.Learning.Data;
using CropVision.Tests.Support;

namespace CropVision.Tests.Training;

/// <summary>labels.csv as <see cref="LabelledDataset"/> reads it (CsvHelper): quoting, blank lines, and the messages for bad rows.</summary>
[Trait("Category", "Fast")]
public class LabelsCsvTests
{
    private static string Dataset(TempFolder tmp, string csv)
    {
        var root = tmp.Sub("data");
        foreach (var (cls, file) in new[] { ("healthy", "a, b.jpg"), ("healthy", "c.jpg"), ("rust", "d.jpg"), ("rust", "e.jpg") })
        {
            Directory.CreateDirectory(Path.Combine(root, cls));
            File.WriteAllBytes(Path.Combine(root, cls, file), [0xFF, 0xD8]);
        }
        File.WriteAllText(Path.Combine(root, LabelledDataset.LabelsFile), csv, new UTF8Encoding(true));
        return root;
    }

    [Fact]
    public void Quoted_cells_blank_lines_crlf_and_a_byte_order_mark_are_read()
    {
        using var tmp = new TempFolder();
        var root = Dataset(tmp, "File, Class ,split,severity,rust_flag\r\n\"healthy/a, b.jpg\",healthy, val ,0,0\r\n\r\n   \r\nc.jpg,healthy,train,,0\r\n\"d.jpg\",rust,test,3,1\r\n");
        var data = LabelledDataset.Load(root);
        Assert.True(data.HasLabelsFile);
        Assert.Equal(["rust_flag"], data.FlagNames);
        var byPath = data.Images.ToDictionary(i => i.RelativePath);
        Assert.Equal((Split.Val, 0), (byPath["healthy/a, b.jpg"].Split, byPath["healthy/a, b.jpg"].Severity!.Value));
        Assert.Equal(Split.Train, byPath["healthy/c.jpg"].Split);
        Assert.Null(byPath["healthy/c.jpg"].Severity);
        Assert.Equal((Split.Test, 3, true), (byPath["rust/d.jpg"].Split, byPath["rust/d.jpg"].Severity!.Value, byPath["rust/d.jpg"].Flags!["rust_flag"]));
        Assert.Null(byPath["rust/e.jpg"].Flags); // not listed: class from its folder, seeded split
    }

    [Theory]
    [InlineData("file,class,split\n\nc.jpg,healthy\n", "line 2: 2 cells, the header has 3.")]
    [InlineData("file,class,split\nc.jpg,healthy,train\nd.jpg,blight,train\n", "line 3: class 'blight' has no folder. Classes are the sub-folders: healthy, rust.")]
    [InlineData("file,class,split\nc.jpg,healthy,later\n", "line 2: split 'later' is not train, val or test.")]
    [InlineData("file,class,severity\nc.jpg,healthy,-1\n", "line 2: severity '-1' is not a whole number >= 0.")]
    [InlineData("file,class,rust_flag\nc.jpg,healthy,yes\n", "line 2: column 'rust_flag' must be 0 or 1, not 'yes'.")]
    [InlineData("class,split\nhealthy,train\n", ": the header has no 'file' column.")]
    [InlineData("\n  \n", " is empty; it needs a header row.")]
    public void A_bad_labels_file_is_refused_with_its_line(string csv, string message)
    {
        using var tmp = new TempFolder();
        var root = Dataset(tmp, csv);
        var e = Assert.Throws<DatasetException>(() => LabelledDataset.Load(root));
        Assert.Equal(Path.Combine(root, LabelledDataset.LabelsFile) + (message.StartsWith("line") ? " " : "") + message, e.Message);
    }
}
