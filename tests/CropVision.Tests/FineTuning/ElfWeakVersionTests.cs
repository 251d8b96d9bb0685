using CropVision.Build;

namespace CropVision.Tests.FineTuning;

/// <summary>
/// The build step that lets TorchSharp load on Debian 12 (build/TorchSharpPatch.cs), on a copy of the real
/// libLibTorchSharp.so from the NuGet cache (read only, never written).
/// </summary>
[Trait("Category", "Fast")]
public class ElfWeakVersionTests
{
    private const string Version = "GLIBCXX_3.4.32";

    private static string PackageLibrary => Path.Combine(
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p ? p : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"),
        "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    private static string OutputLibrary => Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    [Fact]
    public void Sets_the_weak_flag_on_exactly_that_Vernaux_entry_and_changes_nothing_else()
    {
        var original = File.ReadAllBytes(PackageLibrary);
        var flags = Assert.Single(ElfWeakVersion.FindVernauxFlags(original, Version));
        // Checked apart from the routine's own name lookup: the entry's vna_hash (4 bytes before vna_flags) is the ELF
        // hash of the version's name, and its flags start without the weak bit.
        Assert.Equal(ElfHash(Version), BitConverter.ToUInt32(original, (int)flags - 4));
        Assert.Equal(0, original[flags] & ElfWeakVersion.VerFlgWeak);

        var patched = (byte[])original.Clone();
        Assert.Equal(WeakVersionResult.Patched, ElfWeakVersion.MarkWeak(patched, Version));

        var changed = Enumerable.Range(0, original.Length).Where(i => original[i] != patched[i]).ToList();
        Assert.Equal([(int)flags], changed);
        Assert.Equal(original[flags] | ElfWeakVersion.VerFlgWeak, patched[flags]);

        // Idempotent: a second run finds the flag set and writes nothing.
        var again = (byte[])patched.Clone();
        Assert.Equal(WeakVersionResult.AlreadyWeak, ElfWeakVersion.MarkWeak(again, Version));
        Assert.Equal(patched, again);
    }

    [Fact]
    public void A_version_the_library_does_not_need_leaves_it_alone()
    {
        var original = File.ReadAllBytes(PackageLibrary);
        var copy = (byte[])original.Clone();
        Assert.Equal(WeakVersionResult.NotRequired, ElfWeakVersion.MarkWeak(copy, "GLIBCXX_9.9.99"));
        Assert.Equal(original, copy);
        // Other required versions are there and stay strong.
        Assert.Single(ElfWeakVersion.FindVernauxFlags(original, "GLIBCXX_3.4.30"));
    }

    [Fact]
    public void Refuses_what_is_not_an_ELF64_library() =>
        Assert.Throws<InvalidDataException>(() => ElfWeakVersion.FindVernauxFlags(new byte[128], Version));

    [Fact]
    public void The_build_output_holds_the_patched_library_exactly_where_the_system_lacks_the_version()
    {
        var original = File.ReadAllBytes(PackageLibrary);
        var expected = (byte[])original.Clone();
        if (!ElfWeakVersion.SystemLibraryHas("libstdc++.so.6", Version, out _)) ElfWeakVersion.MarkWeak(expected, Version);
        Assert.Equal(expected, File.ReadAllBytes(OutputLibrary));
    }

    /// <summary>The System V ELF hash (as in vna_hash), written out here so the test does not trust the routine.</summary>
    private static uint ElfHash(string name)
    {
        uint h = 0;
        foreach (var c in name)
        {
            h = (h << 4) + c;
            uint g = h & 0xf0000000;
            if (g != 0) h ^= g >> 24;
            h &= ~g;
        }
        return h;
    }
}
