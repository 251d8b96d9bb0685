namespace CropVision.Training.Heads;

/// <summary>Output names of the heads the console trains.</summary>
public static class TaskNames
{
    public const string Stress = "stress";
    public const string Severity = "severity";
    public const string Flags = "stress_flags";
}
