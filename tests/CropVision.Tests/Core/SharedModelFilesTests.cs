using CropVision.Core.Models;

namespace CropVision.Tests.Core;

/// <summary>
/// Several service processes start from one install (replicas behind a proxy, deploy/local/): each reads the backbone
/// and the heads while the others hold the same files open. On Unix .NET turns FileShare.None into an exclusive lock,
/// and OnnxSharp's ParseFromFile opened with it, so the second replica to start at the same moment crashed.
/// </summary>
[Trait("Category", "Fast")]
public class SharedModelFilesTests
{
    private static string Repo([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", ".."));

    [Fact]
    public void The_backbone_loads_while_another_process_holds_its_files_open()
    {
        var dir = AppContext.BaseDirectory;
        using var model = File.OpenRead(Path.Combine(dir, Backbone.RelativePath));    // what another replica's read looks like
        using var mean = File.OpenRead(Path.Combine(dir, Backbone.MeanImageRelativePath));
        var backbone = Backbone.Load();
        Assert.NotEmpty(backbone.Model.Graph.Node);
    }

    [Fact]
    public void A_model_version_loads_while_another_process_holds_its_head_open()
    {
        var folder = Path.Combine(Repo(), "models", "coffee", "1");
        using var held = File.OpenRead(Path.Combine(folder, "head.onnx"));
        var package = ModelPackage.Load(folder, Backbone.Load());
        Assert.Equal("coffee", package.Manifest.Crop);
    }
}
