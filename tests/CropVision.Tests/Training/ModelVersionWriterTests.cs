using System.CommandLine;
using CropVision.Core.Models;
using CropVision.Learning.Data;
using CropVision.Tests.Support;
using CropVision.Training.Commands;

namespace CropVision.Tests.Training;

/// <summary>
/// Every new version (train, optimize) goes through <see cref="ModelVersionWriter"/>: the next number, a staging folder,
/// one move, and a serving marker written first where none existed, so the new version does not serve before promote.
/// </summary>
[Trait("Category", "Training")]
public class ModelVersionWriterTests
{
    private static string FakeVersion(string crop, int version)
    {
        var folder = Path.Combine(crop, version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, ModelManifest.FileName), "{}");
        return folder;
    }

    [Fact]
    public void A_new_version_lands_in_one_move_and_the_served_version_keeps_serving()
    {
        using var tmp = new TempFolder();
        var crop = tmp.Sub("models", "coffee");
        FakeVersion(crop, 1);
        FakeVersion(crop, 2);
        Assert.Equal(2, ModelRepository.ServingVersion(crop)); // no marker: the newest serves

        using (var writer = ModelVersionWriter.Begin(crop, "optimize"))
        {
            Assert.Equal(3, writer.Version);
            File.WriteAllText(Path.Combine(writer.StagingFolder, ModelManifest.FileName), "{}");
            Assert.Equal([1, 2], ModelRepository.Versions(crop)); // staged, not there yet
            Assert.NotNull(writer.Commit());
            Assert.Equal(Path.Combine(crop, "3"), writer.FinalFolder);
        }
        Assert.Equal([1, 2, 3], ModelRepository.Versions(crop));
        var marker = ServingMarker.Read(crop)!;
        Assert.Equal((2, "optimize"), (marker.Version, marker.By));
        Assert.Equal(2, ModelRepository.ServingVersion(crop));
        Assert.Empty(Directory.GetDirectories(crop, ".*"));
    }

    [Fact]
    public void An_existing_marker_is_left_alone_and_an_uncommitted_writer_leaves_nothing()
    {
        using var tmp = new TempFolder();
        var crop = tmp.Sub("coffee");
        FakeVersion(crop, 1);
        FakeVersion(crop, 2);
        new ServingMarker { Version = 1, By = "promote" }.Write(crop);
        var before = File.ReadAllText(Path.Combine(crop, ServingMarker.FileName));

        using (var failed = ModelVersionWriter.Begin(crop, "train"))
            File.WriteAllText(Path.Combine(failed.StagingFolder, "head.onnx"), "half");
        Assert.Empty(Directory.GetDirectories(crop, ".*"));
        Assert.Equal([1, 2], ModelRepository.Versions(crop));

        using (var writer = ModelVersionWriter.Begin(crop, "train"))
        {
            Assert.Equal(3, writer.Version);
            Assert.Null(writer.Commit());
        }
        Assert.Equal(before, File.ReadAllText(Path.Combine(crop, ServingMarker.FileName)));
    }

    [Fact]
    public void The_first_version_of_a_crop_needs_no_marker()
    {
        using var tmp = new TempFolder();
        var crop = tmp.Sub("models", "tea");
        using var writer = ModelVersionWriter.Begin(crop, "train");
        Assert.Equal(1, writer.Version);
        Assert.Null(writer.Commit());
        Assert.Null(ServingMarker.Read(crop));
    }

    [Fact]
    public void A_file_is_written_beside_its_place_then_renamed()
    {
        using var tmp = new TempFolder();
        var path = tmp.Sub("model.onnx");
        File.WriteAllText(path, "old");
        Assert.Throws<InvalidOperationException>(() => ModelVersionWriter.WriteFileAtomically(path, temp => { File.WriteAllText(temp, "half"); throw new InvalidOperationException(); }));
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(tmp.Path));
        ModelVersionWriter.WriteFileAtomically(path, temp => File.WriteAllText(temp, "new"));
        Assert.Equal("new", File.ReadAllText(path));
    }

    /// <summary>optimize used to move its version in without the guard: with no serving.json the optimized copy served at once.</summary>
    [BracolFact]
    public void Optimize_writes_the_next_version_without_changing_the_served_one()
    {
        using var tmp = new TempFolder();
        var crop = tmp.Sub("models", "coffee");
        var from = Path.Combine(ServiceFactory.CommittedModels, "coffee", "2");
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(crop, "2", Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        var bracol = LabelledDataset.Load(SharedData.Bracol);
        var data = tmp.Sub("data");
        foreach (var image in bracol.Classes.SelectMany(c => bracol.In(Split.Val).Where(i => i.Class == c).Take(3)))
        {
            Directory.CreateDirectory(Path.Combine(data, image.Class));
            File.Copy(image.FullPath(bracol.Root), Path.Combine(data, image.Class, Path.GetFileName(image.RelativePath)));
        }
        Assert.Null(ServingMarker.Read(crop));

        int code = new RootCommand { OptimizeCommand.Create() }.Parse(
            ["optimize", "--model", Path.Combine(crop, "2"), "--data", data, "--quantize", "none", "--early-exit", "none", "--out", crop]).Invoke();

        Assert.Equal(0, code);
        Assert.Equal([2, 3], ModelRepository.Versions(crop));
        Assert.Equal((2, "optimize"), (ServingMarker.Read(crop)!.Version, ServingMarker.Read(crop)!.By));
        Assert.Equal(Path.Combine(crop, "2"), ModelRepository.ResolveVersionFolder(crop));
        Assert.Empty(Directory.GetDirectories(crop, ".*"));
    }
}
