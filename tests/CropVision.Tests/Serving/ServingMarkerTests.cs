using System.Net.Http.Json;
using System.Text.Json;
using CropVision.Core.Models;
using CropVision.Tests.Support;

namespace CropVision.Tests.Serving;

/// <summary>The service serves the version models/&lt;crop&gt;/serving.json marks, follows the marker when it changes, and keeps serving when it names a missing version.</summary>
[Trait("Category", "Fast")]
public class ServingMarkerTests
{
    private static void CopyVersion(int version, string to)
    {
        var from = Path.Combine(ServiceFactory.CommittedModels, "coffee", version.ToString());
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    private static async Task<JsonElement> Coffee(HttpClient client) => await client.GetFromJsonAsync<JsonElement>("/v1/models/coffee");

    [Fact]
    public async Task The_marked_version_serves_and_a_new_marker_is_followed()
    {
        using var tmp = new TempFolder();
        var crop = tmp.Sub("models", "coffee");
        CopyVersion(1, Path.Combine(crop, "1"));
        CopyVersion(2, Path.Combine(crop, "2"));
        new ServingMarker { Version = 1, By = "test" }.Write(crop);
        Assert.Equal(Path.Combine(crop, "1"), ModelRepository.ResolveVersionFolder(crop)); // the console follows it too

        var settings = ServiceFactory.Defaults(tmp.Sub("models"));
        settings["Models:WatchForChanges"] = "true";
        await using var service = new ServiceFactory(settings);
        var client = service.CreateClient();
        Assert.Equal(1, (await Coffee(client)).GetProperty("servingVersion").GetInt32()); // not the newest

        new ServingMarker { Version = 2, Previous = 1, By = "test" }.Write(crop);
        var coffee = await Coffee(client);
        for (int i = 0; i < 240 && coffee.GetProperty("servingVersion").GetInt32() != 2; i++) { await Task.Delay(250); coffee = await Coffee(client); }
        Assert.Equal(2, coffee.GetProperty("servingVersion").GetInt32());

        new ServingMarker { Version = 7, Previous = 2, By = "test" }.Write(crop);
        for (int i = 0; i < 240 && coffee.GetProperty("loadError").ValueKind == JsonValueKind.Null; i++) { await Task.Delay(250); coffee = await Coffee(client); }
        Assert.Contains(ServingMarker.FileName, coffee.GetProperty("loadError").GetString());
        Assert.Equal(2, coffee.GetProperty("servingVersion").GetInt32()); // the old version keeps serving
    }
}
