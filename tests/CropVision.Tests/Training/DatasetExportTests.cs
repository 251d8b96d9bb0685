using System.CommandLine;
using System.Security.Cryptography;
using CropVision.FieldStore;
using CropVision.Learning.Data;
using CropVision.Tests.Support;
using CropVision.Training.Commands;

namespace CropVision.Tests.Training;

/// <summary><c>cropvision dataset export</c> against a real field store, on SQLite and (when configured) PostgreSQL.</summary>
[Trait("Category", "Postgres")]
public class DatasetExportTests
{
    private static int Run(params string[] args) => new RootCommand { DatasetCommand.Create() }.Parse(args).Invoke();

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Export_writes_what_train_reads_and_the_same_store_gives_the_same_bytes(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using (var services = await database.StoreServicesAsync())
        {
            var photos = Enumerable.Range(0, 12).Select(i => new FieldPhotos.Photo(StorePhotos.Jpeg(i), $"P{i % 6}",
                Confirmed: i < 10 ? (i % 2 == 0 ? "rust" : "healthy") : null, Severity: i % 2 == 0 ? "2" : "0")).ToList();
            photos.Add(photos[0] with { Plot = "P9" }); // the same photo again (another survey below): exported once
            await FieldPhotos.AddSurveyAsync(services, "coffee", photos.Take(12));
            await FieldPhotos.AddSurveyAsync(services, "coffee", photos.Skip(12));
            await FieldPhotos.AddSurveyAsync(services, "rubber", [new FieldPhotos.Photo(StorePhotos.Jpeg(99), "R1", "healthy")]);
        }
        using var tmp = new TempFolder();
        string[] storeArgs = provider == FieldStoreOptions.Sqlite
            ? ["--store", database.DataFolder]
            : ["--store", database.ConnectionString, "--data-folder", database.DataFolder];
        Assert.Equal(0, Run(["dataset", "export", .. storeArgs, "--crop", "coffee", "--out", tmp.Sub("a")]));
        Assert.Equal(0, Run(["dataset", "export", .. storeArgs, "--crop", "coffee", "--out", tmp.Sub("b")]));
        Assert.Equal(FileTree.Snapshot(tmp.Sub("a")), FileTree.Snapshot(tmp.Sub("b")));
        Assert.Equal(0, Run(["dataset", "export", .. storeArgs, "--crop", "coffee", "--out", tmp.Sub("a")])); // over an earlier export
        Assert.Equal(FileTree.Snapshot(tmp.Sub("a")), FileTree.Snapshot(tmp.Sub("b")));

        var dataset = LabelledDataset.Load(tmp.Sub("a"));
        Assert.Equal(["healthy", "rust"], dataset.Classes);
        Assert.Equal(10, dataset.Images.Count);                 // 10 reviewed, the repeated photo once, no rubber
        Assert.Empty(dataset.FlagNames);                        // provenance columns are not read as stress flags
        Assert.All(dataset.Images, i => Assert.Equal(i.Class == "rust" ? 2 : 0, i.Severity));
        var lines = File.ReadAllLines(tmp.Sub("a", "labels.csv"));
        Assert.StartsWith("file,class,split,severity,label_source,source,survey,officer,reviewed_by,taken_at,latitude,longitude,plot,farmer_label,sha256", lines[0]);
        Assert.All(lines.Skip(1), l => Assert.Contains(",officer,survey,", l));
        foreach (var image in dataset.Images) // files are named by their hash
            Assert.Equal(Path.GetFileNameWithoutExtension(image.RelativePath), Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(image.FullPath(dataset.Root)))));

        Assert.Equal(0, Run(["dataset", "export", .. storeArgs, "--crop", "coffee", "--out", tmp.Sub("c"), "--include-unconfirmed"]));
        Assert.Equal(10, LabelledDataset.Load(tmp.Sub("c")).Images.Count); // survey photos nobody reviewed are not farmer labels either
    }

    [Fact]
    public void Export_refuses_bad_input_with_a_reason_and_touches_nothing()
    {
        using var tmp = new TempFolder();
        Assert.Equal(1, Run("dataset", "export", "--store", tmp.Sub("nowhere"), "--crop", "coffee", "--out", tmp.Sub("out")));
        Assert.Equal(1, Run("dataset", "export", "--store", "Host=localhost;Database=x", "--crop", "coffee", "--out", tmp.Sub("out"))); // postgres needs --data-folder
        Directory.CreateDirectory(tmp.Sub("mine"));
        File.WriteAllText(tmp.Sub("mine", "notes.txt"), "keep me");
        Directory.CreateDirectory(tmp.Sub("store"));
        Assert.Equal(1, Run("dataset", "export", "--store", tmp.Sub("store"), "--crop", "coffee", "--out", tmp.Sub("mine")));
        Assert.Equal("keep me", File.ReadAllText(tmp.Sub("mine", "notes.txt")));
        Assert.False(Directory.Exists(tmp.Sub("out")));
    }
}
