using System.CommandLine;
using CropVision.Core.Preprocessing;
using CropVision.Tests.Support;
using CropVision.Training.Commands;

namespace CropVision.Tests.Training;

/// <summary><c>cropvision dataset reframe</c> as a user runs it: whole leaves into 4:3 and 3:4 frames with their labels.</summary>
[Trait("Category", "Fast")]
public sealed class DatasetReframeCommandTests
{
    private static int Run(params string[] args) => new RootCommand { DatasetCommand.Create() }.Parse(args).Invoke();

    [Fact]
    public void Val_leaves_come_out_4_3_or_3_4_with_their_rows_and_framed_wide_by_content()
    {
        using var tmp = new TempFolder();
        var data = SyntheticDataset.Write(tmp.Sub("data"), perClass: 6); // 2 val leaves a class
        var output = tmp.Sub("reframed");
        Assert.Equal(0, Run("dataset", "reframe", "--data", data, "--out", output));

        var rows = File.ReadAllLines(Path.Combine(output, "labels.csv"));
        Assert.Equal(File.ReadLines(Path.Combine(data, "labels.csv")).First(), rows[0]);
        Assert.Equal(6, rows.Length - 1);
        Assert.All(rows.Skip(1), r => Assert.EndsWith(",val", r));
        var spec = new PreprocessingSpec { CloseUpBelowAspect = 1.5, FramingByContent = true };
        var shapes = new List<string>();
        foreach (var row in rows.Skip(1))
        {
            var c = row.Split(',');
            var bytes = File.ReadAllBytes(Path.Combine(output, c[1], c[0]));
            var (w, h) = ImageHeader.TryReadSize(bytes, ImageFormat.Jpeg)!.Value;
            shapes.Add(w > h ? "4:3" : "3:4");
            Assert.InRange(Math.Max(w, h) * 3.0 / Math.Min(w, h), 3.9, 4.1);
            Assert.Equal(Framing.Wide, ImagePreprocessor.FramingOf(bytes, spec));
        }
        Assert.Contains("4:3", shapes);
        Assert.Contains("3:4", shapes);

        // A second run into the same folder is refused, leaving it as it was.
        Assert.NotEqual(0, Run("dataset", "reframe", "--data", data, "--out", output));
        Assert.Equal(rows, File.ReadAllLines(Path.Combine(output, "labels.csv")));
    }
}
