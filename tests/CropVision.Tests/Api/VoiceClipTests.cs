using System.Text.Json;
using CropVision.Serving.Catalogue;
using CropVision.Tests.Support;

namespace CropVision.Tests.Api;

/// <summary>The committed read-aloud clips (ClientApp/static/voice, made by tools/make-voice.sh) say what the catalogue says now, and stay small.</summary>
[Trait("Category", "Fast")]
public class VoiceClipTests
{
    private static readonly string ClientApp = Path.Combine(SharedData.RepositoryRoot, "src", "CropVision.Api", "ClientApp");
    private static string Voice => Path.Combine(ClientApp, "static", "voice");

    [Fact]
    public void Every_clip_matches_the_catalogue_text_and_the_set_is_small()
    {
        var catalogue = DiseaseCatalogue.Load(Path.Combine(SharedData.RepositoryRoot, "src", "CropVision.Serving", "Catalogue", "diseases.json"));
        var texts = JsonDocument.Parse(File.ReadAllText(Path.Combine(Voice, "index.json"))).RootElement.GetProperty("texts")
            .EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        var stale = new List<string>();
        void Expect(string file, string text)
        {
            if (!texts.TryGetValue(file, out var had) || had != text) stale.Add(file);
            else if (!File.Exists(Path.Combine(Voice, file)) || new FileInfo(Path.Combine(Voice, file)).Length < 1000) stale.Add(file + " (missing or empty)");
        }
        foreach (var (crop, entry) in catalogue.Crops)
        {
            foreach (var (label, l) in entry.Labels) Expect($"{crop}/label-{label}.ogg", $"{l.Vi}. {l.Advice?.Vi}".Trim());
            foreach (var (grade, s) in entry.Severity ?? []) Expect($"{crop}/severity-{grade}.ogg", $"Mức độ: {s.Vi}.");
        }
        Expect("uncertain.ogg", catalogue.Uncertain.Vi);
        Expect("rejected.ogg", catalogue.Rejected.Vi);
        Assert.True(stale.Count == 0, "clips out of date with the catalogue (run ClientApp/tools/make-voice.sh): " + string.Join(", ", stale));
        var files = Directory.GetFiles(Voice, "*", SearchOption.AllDirectories).Select(f => new FileInfo(f)).ToList();
        Assert.True(files.Sum(f => f.Length) < 5_000_000, $"{files.Sum(f => f.Length)} bytes of clips");
        Assert.All(files, f => Assert.True(f.Length < 5_000_000, f.Name));
    }
}
