using CropVision.Serving.Catalogue;
using CropVision.Serving.Registry;

namespace CropVision.Api.Surveys;

/// <summary>What an officer may confirm for a crop: its classes (the catalogue's, plus any a newer model added) and severity grades.</summary>
public sealed class CropClasses(DiseaseCatalogue catalogue, ModelRegistry registry)
{
    public IReadOnlyList<string> Labels(string crop)
    {
        var labels = catalogue.Crops.TryGetValue(crop, out var entry) ? entry.Labels.Keys.ToList() : [];
        if (registry.Get(crop) is { } served)
            labels.AddRange(served.Manifest.Task(served.Manifest.PrimaryOutput).Labels.Where(l => !labels.Contains(l)));
        return labels;
    }

    public IReadOnlyList<string> Grades(string crop) =>
        catalogue.Crops.TryGetValue(crop, out var entry) && entry.Severity is { } s ? [.. s.Keys] : [];
}
