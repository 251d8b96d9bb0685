using System.IO.Compression;
using CropVision.Core.Preprocessing;

namespace CropVision.Api.Jobs;

/// <summary>A zip that cannot be imported at all (the whole upload is refused with this status).</summary>
public sealed class ArchiveRefusedException(int status, string title, string message) : Exception(message)
{
    public int Status { get; } = status;
    public string Title { get; } = title;
}

/// <summary>A zip entry that is not imported (listed in the job's problems).</summary>
public sealed class EntryRefusedException(string reason) : Exception(reason);

/// <summary>
/// Zip safety. Entries are read into memory, never extracted by name, so no entry can write outside the data folder;
/// names that try (absolute, "..", drive letters) are refused anyway. Declared sizes are checked before anything is
/// read (a zip bomb is refused at upload), and actual sizes while reading (declared sizes can lie). Only JPEG, PNG and
/// WebP pass, by their bytes.
/// </summary>
public static class ImportArchive
{
    /// <summary>Checks a freshly uploaded zip as a whole; returns its entry count.</summary>
    public static int Inspect(string path, ImportOptions limits)
    {
        try
        {
            using var zip = ZipFile.OpenRead(path);
            var entries = zip.Entries;
            if (entries.Count > limits.MaxEntries)
                throw new ArchiveRefusedException(StatusCodes.Status413PayloadTooLarge, "Too many files", $"The zip has {entries.Count} entries; the limit is {limits.MaxEntries}.");
            long declared = 0;
            foreach (var e in entries) declared += Math.Max(0, e.Length);
            if (declared > limits.MaxTotalBytes)
                throw new ArchiveRefusedException(StatusCodes.Status413PayloadTooLarge, "Zip too large when unpacked",
                    $"The zip unpacks to {declared:N0} bytes; the limit is {limits.MaxTotalBytes:N0}.");
            if (!entries.Any(IsFile))
                throw new ArchiveRefusedException(StatusCodes.Status422UnprocessableEntity, "Empty zip", "The zip holds no files.");
            return entries.Count;
        }
        catch (InvalidDataException e)
        {
            throw new ArchiveRefusedException(StatusCodes.Status400BadRequest, "Not a zip", $"The upload is not a readable zip archive: {e.Message}");
        }
    }

    public static bool IsFile(ZipArchiveEntry e) => !e.FullName.EndsWith('/') && !e.FullName.EndsWith('\\');

    /// <summary>Entries nobody wants listed as problems: folders and the resource forks macOS adds.</summary>
    public static bool IsNoise(ZipArchiveEntry e) =>
        !IsFile(e) || e.FullName.StartsWith("__MACOSX/", StringComparison.Ordinal) || Path.GetFileName(e.FullName) is ".DS_Store" or "Thumbs.db";

    /// <summary>Reads one entry's bytes, or throws <see cref="EntryRefusedException"/> saying why it is not imported.</summary>
    public static byte[] Read(ZipArchiveEntry entry, ImportOptions limits, ref long totalRead)
    {
        CheckName(entry.FullName);
        if (entry.Length > limits.MaxEntryBytes)
            throw new EntryRefusedException($"Too large: {entry.Length:N0} bytes unpacked; the limit per photo is {limits.MaxEntryBytes:N0}.");
        using var stream = entry.Open();
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int n;
        while ((n = stream.Read(chunk)) > 0)
        {
            if (buffer.Length + n > limits.MaxEntryBytes)
                throw new EntryRefusedException($"Too large: unpacks past the limit of {limits.MaxEntryBytes:N0} bytes (its declared size was wrong).");
            totalRead += n;
            if (totalRead > limits.MaxTotalBytes)
                throw new ArchiveRefusedException(StatusCodes.Status413PayloadTooLarge, "Zip too large when unpacked", $"The zip unpacks past {limits.MaxTotalBytes:N0} bytes.");
            buffer.Write(chunk, 0, n);
        }
        var bytes = buffer.ToArray();
        if (ImageFormatSniffer.Sniff(bytes) == ImageFormat.Unknown)
            throw new EntryRefusedException("Not a JPEG, PNG or WebP photo (judged by its bytes, not its name).");
        return bytes;
    }

    private static void CheckName(string name)
    {
        if (name.Length > 260 || name.Any(char.IsControl) || name.StartsWith('/') || name.StartsWith('\\') || name.Contains(':')
            || name.Split('/', '\\').Any(part => part == ".."))
            throw new EntryRefusedException("Unsafe file name (absolute, '..', a drive or control characters): not read.");
    }
}
