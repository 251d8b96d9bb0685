using System.Diagnostics;

namespace CropVision.Tests.Docs;

/// <summary>
/// No file tracked by git is over 5 MB (5,000,000 bytes), the most the project's git host takes: model versions
/// (a fine-tuned tail is split into parts for this), photos and data included.
/// </summary>
[Trait("Category", "Fast")]
public sealed class RepositoryFileSizeTests
{
    public const long MaxTrackedBytes = 5_000_000;

    [GitCheckoutFact]
    public void No_tracked_file_is_over_5_MB()
    {
        var root = SharedData.RepositoryRoot;
        var start = new ProcessStartInfo("git", ["ls-files", "-z"]) { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true };
        using var git = Process.Start(start)!;
        var stderr = git.StandardError.ReadToEndAsync();
        var listed = git.StandardOutput.ReadToEnd();
        git.WaitForExit();
        Assert.True(git.ExitCode == 0, $"git ls-files failed ({git.ExitCode}): {stderr.Result}");

        var files = listed.Split('\0', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(files.Length > 100, $"git ls-files listed only {files.Length} files");
        // A file deleted in the working tree but still tracked has no size to check here.
        var over = files.Select(f => new FileInfo(Path.Combine(root, f))).Where(f => f.Exists && f.Length > MaxTrackedBytes)
            .Select(f => $"{Path.GetRelativePath(root, f.FullName)}: {f.Length:N0} bytes").ToList();
        Assert.True(over.Count == 0, $"{over.Count} tracked file(s) over {MaxTrackedBytes:N0} bytes:{Environment.NewLine}{string.Join(Environment.NewLine, over)}");
    }
}

/// <summary>A fact that needs a git checkout (a .git folder or worktree file at the root) and git on the PATH; skips, saying which is missing.</summary>
public sealed class GitCheckoutFactAttribute : FactAttribute
{
    public GitCheckoutFactAttribute()
    {
        var dotGit = Path.Combine(SharedData.RepositoryRoot, ".git");
        if (!Directory.Exists(dotGit) && !File.Exists(dotGit)) Skip = $"{SharedData.RepositoryRoot} is not a git checkout (no .git): nothing tracked to check.";
        else if (!OnPath("git")) Skip = "git is not on the PATH: cannot list the tracked files.";
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, tool)) || File.Exists(Path.Combine(dir, tool + ".exe")));
}
