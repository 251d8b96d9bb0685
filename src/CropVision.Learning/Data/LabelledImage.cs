namespace CropVision.Learning.Data;

public enum Split { Train, Val, Test }

/// <summary>
/// One photo and what is known about it. Flags and severity are absent when labels.csv does not give them;
/// <paramref name="Negative"/> photos are not leaves of the crop at all (they carry no stress).
/// </summary>
public sealed record LabelledImage(string RelativePath, string Class, Split Split, IReadOnlyDictionary<string, bool>? Flags, int? Severity, bool Negative = false)
{
    public string FullPath(string root) => Path.Combine(root, RelativePath);
}
