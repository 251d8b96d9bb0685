namespace CropVision.Core.Models;

/// <summary>Output names of the heads the console trains; the service reads them by these names too.</summary>
public static class TaskNames
{
    public const string Stress = "stress";
    public const string Severity = "severity";
    public const string Flags = "stress_flags";
}
