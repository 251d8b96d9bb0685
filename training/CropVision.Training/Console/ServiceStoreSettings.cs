using CropVision.FieldStore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CropVision.Training.Console;

/// <summary>
/// The store the service uses, read the way the service reads it: its appsettings.json (and appsettings.{Environment}.json),
/// then environment variables (Store__Provider, Store__DataFolder, ConnectionStrings__FieldStore), then this command's
/// options. A relative Store:DataFolder is relative to the settings file's folder, the service's content root.
/// </summary>
public sealed record ServiceStoreSettings(string Provider, string? ConnectionString, string DataFolder)
{
    /// <summary>Where the service's settings are when --settings is not given: ./appsettings.json, else src/CropVision.Api/appsettings.json.</summary>
    public static string? DefaultSettingsFile() =>
        new[] { "appsettings.json", Path.Combine("src", "CropVision.Api", "appsettings.json") }.Select(Path.GetFullPath).FirstOrDefault(File.Exists);

    public static ServiceStoreSettings Load(string? settingsFile, string? provider, string? connectionString, string? dataFolder)
    {
        settingsFile ??= DefaultSettingsFile();
        var builder = new ConfigurationBuilder();
        var root = Directory.GetCurrentDirectory();
        if (settingsFile is not null)
        {
            settingsFile = Path.GetFullPath(settingsFile);
            if (!File.Exists(settingsFile)) throw new FileNotFoundException($"No settings file at '{settingsFile}'.");
            root = Path.GetDirectoryName(settingsFile)!;
            builder.AddJsonFile(settingsFile, optional: false);
            var environment = Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") ?? Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT");
            if (environment is not null) builder.AddJsonFile(Path.Combine(root, $"appsettings.{environment}.json"), optional: true);
        }
        var configuration = builder.AddEnvironmentVariables().Build();
        var options = configuration.GetSection(FieldStoreOptions.Section).Get<FieldStoreOptions>() ?? new FieldStoreOptions();
        return new ServiceStoreSettings(
            provider ?? options.Provider,
            connectionString ?? configuration.GetConnectionString(FieldStoreOptions.ConnectionStringName),
            Path.GetFullPath(dataFolder ?? Path.Combine(root, options.DataFolder)));
    }

    /// <summary>The store's services, as the service registers them; nothing is migrated.</summary>
    public ServiceProvider Open()
    {
        var services = new ServiceCollection();
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        services.AddFieldStore(Provider, string.IsNullOrWhiteSpace(ConnectionString) ? null : ConnectionString, new FieldStorePaths(DataFolder));
        return services.BuildServiceProvider();
    }

    public override string ToString() => $"{Provider} store, data folder {DataFolder}";
}
