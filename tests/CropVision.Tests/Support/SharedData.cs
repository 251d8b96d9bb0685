namespace CropVision.Tests.Support;

/// <summary>Locates ../shared/datasets beside the checkout (or CROPVISION_DATASETS); tests that need it skip visibly without it.</summary>
public static class SharedData
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string Bracol => System.IO.Path.Combine(
        Environment.GetEnvironmentVariable("CROPVISION_DATASETS") is { Length: > 0 } env ? env : System.IO.Path.Combine(RepositoryRoot, "..", "shared", "datasets"),
        "bracol-leaf");

    public static bool HasBracol => Directory.Exists(System.IO.Path.Combine(Bracol, "rust"));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "CropVision.sln"))) return dir.FullName;
        throw new InvalidOperationException("CropVision.sln not found above the test output folder.");
    }
}

/// <summary>A fact that skips, saying why, when the BRACOL dataset is not beside the checkout.</summary>
public sealed class BracolFactAttribute : FactAttribute
{
    public BracolFactAttribute()
    {
        if (!SharedData.HasBracol) Skip = $"BRACOL dataset not found at {SharedData.Bracol} (it lives in ../shared/datasets; set CROPVISION_DATASETS to point elsewhere).";
    }
}

/// <summary>A fact that needs every coffee source (bracol-leaf, bracol-symptom, not-leaf); skips, saying which is missing.</summary>
public sealed class CoffeeSourcesFactAttribute : FactAttribute
{
    public static readonly string[] Folders = ["bracol-leaf", "bracol-symptom", "not-leaf"];

    public CoffeeSourcesFactAttribute()
    {
        var root = System.IO.Path.GetDirectoryName(SharedData.Bracol)!;
        var missing = Folders.Where(f => !Directory.Exists(System.IO.Path.Combine(root, f))).ToList();
        if (missing.Count > 0) Skip = $"Coffee data folders missing under {root}: {string.Join(", ", missing)} (they live in ../shared/datasets; set CROPVISION_DATASETS to point elsewhere).";
    }
}
