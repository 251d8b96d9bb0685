#nullable enable
// Compiled twice: by MSBuild's RoslynCodeTaskFactory for build/TorchSharpPatch.targets (the task class and the
// routine), and by the tests with ELF_ROUTINE_ONLY defined (the routine alone; they have no MSBuild reference).
// Why the patch exists: docs/decisions/torchsharp-on-debian.md.
using System;
using System.Diagnostics;
using System.IO;
using System.Text;

namespace CropVision.Build;

public enum WeakVersionResult { Patched, AlreadyWeak, NotRequired }

/// <summary>
/// Marks one required symbol version of an ELF64 little-endian shared library weak: sets VER_FLG_WEAK (0x2) in
/// vna_flags of the Vernaux entries of .gnu.version_r (SHT_GNU_verneed) whose name (in the section's linked string
/// table, .dynstr) equals the version. The loader then warns instead of refusing when the version is missing.
/// Only those two bytes may change; every other byte of the file stays as it was.
/// </summary>
public static class ElfWeakVersion
{
    public const ushort VerFlgWeak = 0x2;
    private const uint ShtGnuVerneed = 0x6ffffffe;

    /// <summary>File offsets of the vna_flags fields of the Vernaux entries named <paramref name="version"/>.</summary>
    public static long[] FindVernauxFlags(byte[] elf, string version)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("Not an ELF file.");
        if (elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException("Only ELF64 little-endian files are handled.");
        long shoff = (long)U64(elf, 0x28);
        int shentsize = U16(elf, 0x3A), shnum = U16(elf, 0x3C);
        var found = new System.Collections.Generic.List<long>();
        for (int i = 0; i < shnum; i++)
        {
            long sh = shoff + (long)i * shentsize;
            if (U32(elf, sh + 4) != ShtGnuVerneed) continue;
            long offset = (long)U64(elf, sh + 0x18);
            uint link = U32(elf, sh + 0x28), count = U32(elf, sh + 0x2C);
            long strtab = (long)U64(elf, shoff + (long)link * shentsize + 0x18);
            long need = offset;
            for (uint n = 0; n < count; n++)
            {
                // Elf64_Verneed: vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32
                int auxCount = U16(elf, need + 2);
                long aux = need + U32(elf, need + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    // Elf64_Vernaux: vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32
                    if (CString(elf, strtab + U32(elf, aux + 8)) == version) found.Add(aux + 4);
                    uint next = U32(elf, aux + 12);
                    if (next == 0) break;
                    aux += next;
                }
                uint nextNeed = U32(elf, need + 12);
                if (nextNeed == 0) break;
                need += nextNeed;
            }
        }
        return found.ToArray();
    }

    /// <summary>Sets the weak flag in place on <paramref name="elf"/>; says whether anything changed.</summary>
    public static WeakVersionResult MarkWeak(byte[] elf, string version)
    {
        var flags = FindVernauxFlags(elf, version);
        if (flags.Length == 0) return WeakVersionResult.NotRequired;
        var changed = false;
        foreach (var at in flags)
        {
            if ((U16(elf, at) & VerFlgWeak) != 0) continue;
            elf[at] |= (byte)VerFlgWeak;
            changed = true;
        }
        return changed ? WeakVersionResult.Patched : WeakVersionResult.AlreadyWeak;
    }

    /// <summary>Whether the libstdc++ the loader would use defines <paramref name="version"/> (its name is in the file).</summary>
    public static bool SystemLibraryHas(string library, string version, out string? path)
    {
        path = FindSystemLibrary(library);
        if (path == null) return false;
        return IndexOf(File.ReadAllBytes(path), Encoding.ASCII.GetBytes(version)) >= 0;
    }

    private static string? FindSystemLibrary(string library)
    {
        foreach (var dir in new[] { "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib" })
        {
            var candidate = Path.Combine(dir, library);
            if (File.Exists(candidate)) return candidate;
        }
        try
        {
            var start = new ProcessStartInfo("ldconfig", "-p") { RedirectStandardOutput = true, UseShellExecute = false };
            using var p = Process.Start(start);
            if (p == null) return null;
            string output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            // Lines look like: "\tlibstdc++.so.6 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libstdc++.so.6"
            foreach (var line in output.Split('\n'))
            {
                int arrow = line.IndexOf("=>", StringComparison.Ordinal);
                if (arrow > 0 && line.TrimStart().StartsWith(library + " ", StringComparison.Ordinal))
                    return line.Substring(arrow + 2).Trim();
            }
        }
        catch (System.ComponentModel.Win32Exception) { }
        return null;
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j]) j++;
            if (j == needle.Length) return i;
        }
        return -1;
    }

    private static ushort U16(byte[] b, long at) => (ushort)(b[at] | b[at + 1] << 8);
    private static uint U32(byte[] b, long at) => (uint)(U16(b, at) | U16(b, at + 2) << 16);
    private static ulong U64(byte[] b, long at) => U32(b, at) | (ulong)U32(b, at + 4) << 32;

    private static string CString(byte[] b, long at)
    {
        long end = at;
        while (b[end] != 0) end++;
        return Encoding.ASCII.GetString(b, (int)at, (int)(end - at));
    }
}

#if !ELF_ROUTINE_ONLY
/// <summary>
/// Writes <see cref="Destination"/>: a copy of <see cref="Source"/> with <see cref="Version"/> marked weak when the
/// system's libstdc++ lacks it, else a plain copy. The source (in the NuGet cache) is only read.
/// </summary>
public sealed class PatchWeakVersion : Microsoft.Build.Utilities.Task
{
[Microsoft.Build.Framework.Required] public string Source { get; set; } = "";
[Microsoft.Build.Framework.Required] public string Destination { get; set; } = "";
[Microsoft.Build.Framework.Required] public string Version { get; set; } = "";
public string SystemLibrary { get; set; } = "libstdc++.so.6";

public override bool Execute()
{
    var bytes = File.ReadAllBytes(Source);
    string what;
    if (ElfWeakVersion.SystemLibraryHas(SystemLibrary, Version, out var systemPath))
        what = $"{systemPath} has {Version}: copied unchanged";
    else
        what = ElfWeakVersion.MarkWeak(bytes, Version) switch
        {
            WeakVersionResult.Patched => $"{Version} marked weak ({systemPath ?? SystemLibrary + " not found"} lacks it)",
            WeakVersionResult.AlreadyWeak => $"{Version} already weak",
            _ => $"{Version} not required: copied unchanged",
        };
    Directory.CreateDirectory(Path.GetDirectoryName(Destination)!);
    var staging = Destination + ".tmp";
    File.WriteAllBytes(staging, bytes);
    File.Copy(staging, Destination, true);
    File.Delete(staging);
    Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal, $"{Path.GetFileName(Source)}: {what}");
    return true;
}
}
#endif
