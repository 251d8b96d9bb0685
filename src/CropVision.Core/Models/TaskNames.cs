namespace CropVision.Core.Models;

/// <summary>Output names of the heads the console trains; the service reads them by these names too.</summary>
public static class TaskNames
{
    public const string Stress = "stress";
    public const string Severity = "severity";
    public const string Flags = "stress_flags";
    /// <summary>Probability that the photo is a leaf of the crop at all (learned from negative photos); not a task shown to users.</summary>
    public const string Leaf = "is_leaf";
}
