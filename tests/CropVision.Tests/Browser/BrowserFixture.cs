using CropVision.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CropVision.Tests.Browser;

/// <summary>Where Chromium is: CROPVISION_CHROMIUM, else Debian's /usr/bin/chromium (`apt-get install chromium`).</summary>
public static class Chromium
{
    public static string Path { get; } = Environment.GetEnvironmentVariable("CROPVISION_CHROMIUM") is { Length: > 0 } p ? p : "/usr/bin/chromium";
    public static bool Available => File.Exists(Path);
    public static string? MissingReason => Available ? null
        : $"No Chromium at {Path} (install Debian's package: apt-get install -y chromium; or set CROPVISION_CHROMIUM). Playwright cannot download its own browser here.";
}

/// <summary>A browser test: skips, saying why, where there is no Chromium or (when it needs photos) no BRACOL data.</summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute(bool needsBracol = true)
    {
        if (Chromium.MissingReason is { } reason) Skip = reason;
        else if (needsBracol && !SharedData.HasBracol)
            Skip = $"BRACOL dataset not found at {SharedData.Bracol} (it lives in ../shared/datasets; set CROPVISION_DATASETS to point elsewhere).";
    }
}

/// <summary>
/// The real service on Kestrel (a free loopback port, the committed models, a throw-away data folder) and one headless
/// Chromium, shared by a test class. Each test opens its own browser context at a 360x640 phone viewport.
/// </summary>
public sealed class WebAppFixture : IAsyncLifetime
{
    /// <summary>The province contact the service is configured with (Farmer:Contacts:Province).</summary>
    public static readonly (string Name, string Phone) ProvinceContact = ("Trung tâm Khuyến nông tỉnh", "0260 3000 111");
    private readonly TempFolder _data = new();
    public KestrelService Service { get; private set; } = null!;
    public IPlaywright Playwright { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;
    public string BaseUrl { get; private set; } = "";

    public async Task InitializeAsync()
    {
        if (!Chromium.Available) return; // every test skips
        // Generous waits: the service and the browser share two busy cores with other builds.
        Assertions.SetDefaultExpectTimeout(20_000);
        var settings = ServiceFactory.Defaults(ServiceFactory.CommittedModels);
        Directory.Delete(settings["Store:DataFolder"]!); // replaced by this fixture's own folder
        settings["Store:DataFolder"] = _data.Path;
        settings["Feedback:PermitLimit"] = "1000";
        // The officer pages: a first admin to sign in with, and no map tiles (a closed machine: the points alone).
        settings["Admin:Bootstrap:User"] = OfficerService.AdminUser;
        settings["Admin:Bootstrap:Password"] = OfficerService.AdminPassword;
        settings["Map:TileUrl"] = "";
        // Whom a farmer may call (the numbers are made up): the province and one commune.
        settings["Farmer:Contacts:Province:Name"] = ProvinceContact.Name;
        settings["Farmer:Contacts:Province:Phone"] = ProvinceContact.Phone;
        settings["Farmer:Contacts:Communes:0:Commune"] = "Đăk Hà";
        settings["Farmer:Contacts:Communes:0:Name"] = "Trạm Khuyến nông Đăk Hà";
        settings["Farmer:Contacts:Communes:0:Phone"] = "0260 3000 222";
        Service = new KestrelService(settings);
        BaseUrl = Service.Start();
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium.Path,
            Headless = true,
            // Chromium's own network calls (updates, sync, ...) fail on a closed machine and would show as errors.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    /// <summary>A fresh phone: 360x640, touch, the given language, no storage from other tests.</summary>
    public Task<IBrowserContext> NewPhoneAsync(string locale = "vi-VN") => Browser.NewContextAsync(new BrowserNewContextOptions
    {
        ViewportSize = new ViewportSize { Width = 360, Height = 640 },
        DeviceScaleFactor = 2, IsMobile = true, HasTouch = true, Locale = locale, BaseURL = BaseUrl,
        ServiceWorkers = ServiceWorkerPolicy.Allow,
    });

    /// <summary>A fresh desk-top browser (the officer pages), with downloads allowed.</summary>
    public Task<IBrowserContext> NewDesktopAsync(string locale = "vi-VN") => Browser.NewContextAsync(new BrowserNewContextOptions
    {
        ViewportSize = new ViewportSize { Width = 1280, Height = 900 }, Locale = locale, BaseURL = BaseUrl, AcceptDownloads = true,
    });

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        Playwright?.Dispose();
        if (Service is not null) await Service.DisposeAsync();
        _data.Dispose();
    }
}

/// <summary>The service as it runs for users: Kestrel on a real socket (port chosen by the OS), not the in-memory test server.</summary>
public sealed class KestrelService(IDictionary<string, string?> settings) : ServiceFactory(settings)
{
    /// <summary>Starts the server and returns its address, e.g. http://127.0.0.1:41234.</summary>
    public string Start()
    {
        UseKestrel(0);
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        return addresses.First().Replace("localhost", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/');
    }
}
