namespace CropVision.Tests.Deploy;

/// <summary>A theory that renders manifests with `kubectl kustomize`; skips, saying why, where kubectl is not installed.</summary>
public sealed class KubectlTheoryAttribute : TheoryAttribute
{
    public KubectlTheoryAttribute()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        if (!path.Split(Path.PathSeparator).Any(dir => File.Exists(Path.Combine(dir, "kubectl"))))
            Skip = "kubectl is not on PATH: the rendered Kustomize output is not checked (install kubectl 1.27+, which has kustomize built in).";
    }
}
