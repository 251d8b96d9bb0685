using System.Diagnostics;

namespace CropVision.Tests.Support;

/// <summary>Runs a Node.js test driver: arguments, then the output file it writes (its last argument), stdin as given.</summary>
public static class NodeScript
{
    /// <summary>Starts <c>node script args... outFile</c>, writes <paramref name="stdin"/>, and returns the bytes it wrote to outFile.</summary>
    public static byte[] Run(string script, IEnumerable<string> args, string stdin)
    {
        using var temp = new TempFolder();
        var result = Path.Combine(temp.Path, "out.bin");
        var start = new ProcessStartInfo("node") { RedirectStandardInput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        foreach (var a in args) start.ArgumentList.Add(a);
        start.ArgumentList.Add(result);
        using var node = Process.Start(start)!;
        node.StandardInput.Write(stdin);
        node.StandardInput.Close();
        var errors = node.StandardError.ReadToEnd();
        node.WaitForExit();
        Assert.True(node.ExitCode == 0, $"node failed: {errors}");
        return File.ReadAllBytes(result);
    }
}
