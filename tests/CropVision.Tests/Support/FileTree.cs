using System.Security.Cryptography;

namespace CropVision.Tests.Support;

/// <summary>What a folder holds, to compare before and after.</summary>
public static class FileTree
{
    /// <summary>Every file under the folder with its bytes' hash.</summary>
    public static Dictionary<string, string> Snapshot(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(root, f), f => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f))));
}
