using System.CommandLine;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CropVision.Core.Models;
using CropVision.Learning.Data;
using CropVision.Tests.Support;
using CropVision.Training.Commands;
using Xunit.Abstractions;

namespace CropVision.Tests.Training;

/// <summary>
/// The whole loop on BRACOL photos: reviewed observations in a throw-away store → export (byte for byte twice) → train →
/// compare → promote refused for a worse model and accepted for a better one → the running service serves the promoted
/// version with no failed request. Kept small (72 training photos, 30 gate photos, no flips, one L2 strength).
/// </summary>
[Trait("Category", "Training")]
public class RetrainingLoopTests(ITestOutputHelper output)
{
    private static readonly string[] Classes = ["healthy", "miner", "rust"];

    private static int Run(params string[] args) =>
        new RootCommand { TrainCommand.Create(), DatasetCommand.Create(), CompareCommand.Create(), PromoteCommand.Create() }.Parse(args).Invoke();

    [BracolFact]
    public async Task Reviewed_field_photos_become_a_promoted_model_in_service()
    {
        using var tmp = new TempFolder();
        var bracol = LabelledDataset.Load(SharedData.Bracol);
        var field = Classes.SelectMany(c => bracol.In(Split.Train).Where(i => i.Class == c).Take(24)).ToList();
        var gate = tmp.Sub("gate");
        foreach (var image in Classes.SelectMany(c => bracol.In(Split.Val).Where(i => i.Class == c).Take(10)))
        {
            Directory.CreateDirectory(Path.Combine(gate, image.Class));
            File.Copy(image.FullPath(bracol.Root), Path.Combine(gate, image.Class, Path.GetFileName(image.RelativePath)));
        }

        // 1. Officers' reviewed observations, 12 plots.
        await using var database = await TestDatabase.CreateAsync(CropVision.FieldStore.FieldStoreOptions.Sqlite);
        await using (var services = await database.StoreServicesAsync())
            await FieldPhotos.AddSurveyAsync(services, "coffee", field.Select((image, i) => new FieldPhotos.Photo(
                File.ReadAllBytes(image.FullPath(bracol.Root)), $"P{i % 12}", image.Class, image.Severity?.ToString(System.Globalization.CultureInfo.InvariantCulture))));

        // 2. Export, twice: the same bytes.
        var export = tmp.Sub("export");
        Assert.Equal(0, Run("dataset", "export", "--store", database.DataFolder, "--crop", "coffee", "--out", export));
        var first = FileTree.Snapshot(export);
        Assert.Equal(0, Run("dataset", "export", "--store", database.DataFolder, "--crop", "coffee", "--out", tmp.Sub("export2")));
        Assert.Equal(first, FileTree.Snapshot(tmp.Sub("export2")));
        var exported = LabelledDataset.Load(export);
        Assert.Equal(72, exported.Images.Count);
        Assert.NotEmpty(exported.In(Split.Val));

        // A deliberately worse copy: every class renamed (healthy → miner → rust → healthy), same photos and split, so the
        // same leaves are rejected and only the paired test can tell the models apart.
        var swapped = SwappedCopy(exported, tmp.Sub("swapped"));

        // 3. Train: version 1 (the worse one) serves first; the service runs through everything that follows.
        var models = tmp.Sub("models", "coffee");
        string[] tiny = ["--crop", "coffee", "--out", models, "--flips", "none", "--l2", "16", "--cache", tmp.Sub("cache")];
        Assert.Equal(0, Run(["train", "--data", swapped, .. tiny]));
        var settings = ServiceFactory.Defaults(tmp.Sub("models"));
        settings["Models:WatchForChanges"] = "true";
        await using var service = new ServiceFactory(settings);
        var client = service.CreateClient();
        Assert.Equal(1, await ServingVersion(client));
        using var load = new StopLoad(client, File.ReadAllBytes(Directory.EnumerateFiles(Path.Combine(gate, "rust")).Order().First()));

        Assert.Equal(0, Run(["train", "--data", export, .. tiny]));
        Assert.Equal(1, ServingMarker.Read(models)!.Version); // train keeps version 1 in service: 2 must pass the gate first

        // 4. Compare.
        var json = tmp.Sub("compare.json");
        Assert.Equal(0, Run("compare", "--model", Path.Combine(models, "1"), "--model", Path.Combine(models, "2"), "--data", gate, "--json", json, "--report", tmp.Sub("compare")));
        using (var doc = JsonDocument.Parse(File.ReadAllText(json)))
        {
            var paired = doc.RootElement.GetProperty("paired");
            Assert.Equal(30, paired.GetProperty("photos").GetInt32());
            var test = paired.GetProperty("test");
            output.WriteLine($"gate: only v1 right {test.GetProperty("onlyARight")}, only v2 right {test.GetProperty("onlyBRight")}, p {test.GetProperty("pValue")}");
            Assert.True(test.GetProperty("onlyBRight").GetInt32() > test.GetProperty("onlyARight").GetInt32());
            Assert.True(doc.RootElement.GetProperty("disagreementCount").GetInt32() > 0);
            Assert.True(File.Exists(tmp.Sub("compare", doc.RootElement.GetProperty("disagreements")[0].GetProperty("thumbnail").GetString()!)));
        }
        Assert.Contains("McNemar", File.ReadAllText(tmp.Sub("compare", "comparison.html")));

        // 5. Promote: version 2 passes the gate and serves; version 3 (worse again) is refused and 2 keeps serving.
        Assert.Equal(0, Run("promote", "--model", Path.Combine(models, "2"), "--gate", gate));
        Assert.True(File.Exists(Path.Combine(models, "2", PromoteCommand.ComparisonFolder, "comparison.html")));
        Assert.Equal((2, 1, "promote"), (ServingMarker.Read(models)!.Version, ServingMarker.Read(models)!.Previous!.Value, ServingMarker.Read(models)!.By));
        Assert.Equal(2, await WaitForServingVersion(client, 2));
        int beforeRefusal = load.Answered;

        Assert.Equal(0, Run(["train", "--data", swapped, .. tiny]));
        Assert.Equal(PromoteCommand.Refused, Run("promote", "--model", Path.Combine(models, "3"), "--gate", gate));
        Assert.Equal(2, ServingMarker.Read(models)!.Version);
        Assert.False(Directory.Exists(Path.Combine(models, "3", PromoteCommand.ComparisonFolder)));
        await load.WaitForMoreThan(beforeRefusal);
        Assert.Equal(2, await ServingVersion(client));

        var statuses = await load.StopAsync();
        output.WriteLine($"{statuses.Count} predictions during the loop, versions answered: {string.Join(", ", load.Versions.Order())}");
        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Contains(1, load.Versions);
        Assert.Contains(2, load.Versions);
    }

    private static string SwappedCopy(LabelledDataset source, string root)
    {
        static string Swap(string c) => c == "healthy" ? "miner" : c == "miner" ? "rust" : "healthy";
        var lines = new List<string> { "file,class,split" };
        foreach (var image in source.Images)
        {
            var rel = $"{Swap(image.Class)}/{Path.GetFileName(image.RelativePath)}";
            Directory.CreateDirectory(Path.Combine(root, Swap(image.Class)));
            File.Copy(image.FullPath(source.Root), Path.Combine(root, rel));
            lines.Add($"{rel},{Swap(image.Class)},{image.Split.ToString().ToLowerInvariant()}");
        }
        File.WriteAllLines(Path.Combine(root, LabelledDataset.LabelsFile), lines);
        return root;
    }

    private static async Task<int> ServingVersion(HttpClient client) =>
        (await client.GetFromJsonAsync<JsonElement>("/v1/models/coffee")).GetProperty("servingVersion").GetInt32();

    private static async Task<int> WaitForServingVersion(HttpClient client, int version)
    {
        int serving = await ServingVersion(client);
        for (var waited = TimeSpan.Zero; serving != version && waited < TimeSpan.FromSeconds(60); waited += TimeSpan.FromMilliseconds(250))
        {
            await Task.Delay(250);
            serving = await ServingVersion(client);
        }
        return serving;
    }

    /// <summary>A farmer sending the same photo over and over, one request at a time, until stopped.</summary>
    private sealed class StopLoad : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly List<HttpStatusCode> _statuses = [];
        private readonly HashSet<int> _versions = [];
        private readonly Task _loop;

        public StopLoad(HttpClient client, byte[] photo) => _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                using var form = new MultipartFormDataContent { { new ByteArrayContent(photo), "image", "leaf.jpg" } };
                var response = await client.PostAsync("/v1/predict?crop=coffee", form, CancellationToken.None);
                var body = await response.Content.ReadAsStringAsync();
                lock (_statuses)
                {
                    _statuses.Add(response.StatusCode);
                    if (response.IsSuccessStatusCode) _versions.Add(JsonDocument.Parse(body).RootElement.GetProperty("model").GetProperty("version").GetInt32());
                }
            }
        });

        public int Answered { get { lock (_statuses) return _statuses.Count; } }
        public IReadOnlyCollection<int> Versions { get { lock (_statuses) return [.. _versions]; } }

        public async Task WaitForMoreThan(int count)
        {
            for (int i = 0; i < 600 && Answered <= count; i++) await Task.Delay(100);
        }

        public async Task<IReadOnlyList<HttpStatusCode>> StopAsync()
        {
            _stop.Cancel();
            await _loop;
            lock (_statuses) return [.. _statuses];
        }

        public void Dispose()
        {
            _stop.Cancel();
            try
            {
                _loop.Wait();
            }
            catch (AggregateException)
            {
            }
        }
    }
}
