using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace CropVision.Tests.Support;

/// <summary>The service in memory, with its settings overridden per test class.</summary>
public class ServiceFactory(IDictionary<string, string?> settings) : WebApplicationFactory<Program>
{
    public static string CommittedModels => Path.Combine(SharedData.RepositoryRoot, "models");
    public const string AdminKey = "test-admin-key";

    public static Dictionary<string, string?> Defaults(string modelsFolder) => new()
    {
        ["Models:Folder"] = modelsFolder,
        ["Models:WatchForChanges"] = "false",
        ["Inference:Device"] = "auto",
        ["Inference:OptimizedModelCache"] = "",
        ["Inference:IntraOpThreads"] = "2",
        ["Admin:ApiKey"] = AdminKey,
        // Each service gets its own empty field store (SQLite), never the repository's data/ folder.
        ["Store:DataFolder"] = Directory.CreateTempSubdirectory("cropvision-test-data-").FullName,
    };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in settings) builder.UseSetting(key, value);
    }
}

/// <summary>One service over the committed models, shared by a test class (loading a model takes a few seconds).</summary>
public sealed class CommittedModelService() : ServiceFactory(Defaults(CommittedModels));
