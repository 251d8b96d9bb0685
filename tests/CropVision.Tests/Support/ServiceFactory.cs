using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace CropVision.Tests.Support;

/// <summary>The service in memory, with its settings overridden per test class.</summary>
public class ServiceFactory(IDictionary<string, string?> settings) : WebApplicationFactory<Program>
{
    public static string CommittedModels => Path.Combine(SharedData.RepositoryRoot, "models");
    /// <summary>
    /// The committed coffee version the service serves when nothing is pinned: serving.json's, else the newest (a newer
    /// version committed for review, e.g. a recalibration, does not serve until promoted).
    /// </summary>
    public static int NewestCoffeeVersion => CropVision.Core.Models.ServingMarker.Read(Path.Combine(CommittedModels, "coffee"))?.Version
        ?? CropVision.Core.Models.ModelRepository.Versions(Path.Combine(CommittedModels, "coffee"))[^1];
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
        ["Store:DataFolder"] = Directory.CreateTempSubdirectory(DataFolderPrefix).FullName,
    };

    /// <summary>Prefix of the throw-away data folders <see cref="Defaults"/> makes (deleted with the service).</summary>
    private const string DataFolderPrefix = "cropvision-test-data-";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in settings) builder.UseSetting(key, value);
        builder.ConfigureServices(services => services.Insert(0, ServiceDescriptor.Singleton<IStartupFilter>(new TestClientAddress())));
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (settings.TryGetValue("Store:DataFolder", out var folder) && folder is not null
            && Path.GetFileName(folder).StartsWith(DataFolderPrefix, StringComparison.Ordinal) && Directory.Exists(folder))
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}

/// <summary>One service over the committed models, shared by a test class (loading a model takes a few seconds).</summary>
public sealed class CommittedModelService() : ServiceFactory(Defaults(CommittedModels));
