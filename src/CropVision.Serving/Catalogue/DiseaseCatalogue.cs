using System.Text.Json;

namespace CropVision.Serving.Catalogue;

public sealed record Text(string En, string Vi);
public sealed record LabelEntry(string En, string Vi, Text? Advice);
public sealed record CropEntry(Text Name, Dictionary<string, LabelEntry> Labels, Dictionary<string, LabelEntry>? Severity);

/// <summary>
/// Display names and short advice in English and Vietnamese, per crop and class, read from Catalogue/diseases.json
/// (data, not code). It lists crops that have no model yet, so their entries are ready when one is trained.
/// </summary>
public sealed class DiseaseCatalogue
{
    public IReadOnlyDictionary<string, CropEntry> Crops { get; }
    public Text Rejected { get; }
    public Text Uncertain { get; }

    private DiseaseCatalogue(IReadOnlyDictionary<string, CropEntry> crops, Text rejected, Text uncertain) => (Crops, Rejected, Uncertain) = (crops, rejected, uncertain);

    public static DiseaseCatalogue Load(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        var crops = new Dictionary<string, CropEntry>(StringComparer.OrdinalIgnoreCase);
        Text? rejected = null, uncertain = null;
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            if (p.Name == "messages")
            {
                rejected = p.Value.GetProperty("rejected").Deserialize<Text>(options);
                uncertain = p.Value.GetProperty("uncertain").Deserialize<Text>(options);
            }
            else crops[p.Name] = p.Value.Deserialize<CropEntry>(options)!;
        }
        return new DiseaseCatalogue(crops, rejected!, uncertain!);
    }

    /// <summary>The entry for a class, or the raw label in both languages when the catalogue lacks it (a new class in a retrained model).</summary>
    public LabelEntry Label(string crop, string label) =>
        Crops.TryGetValue(crop, out var c) && c.Labels.TryGetValue(label, out var e) ? e : new LabelEntry(label, label, null);

    public LabelEntry Severity(string crop, string grade) =>
        Crops.TryGetValue(crop, out var c) && c.Severity is { } s && s.TryGetValue(grade, out var e) ? e : new LabelEntry(grade, grade, null);
}
