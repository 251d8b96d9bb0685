namespace CropVision.FieldStore;

/// <summary>The data folder's layout: photos/ab/cdef....jpg, thumbs/ab/cdef....jpg, imports/, keys/, tmp/.</summary>
public sealed class FieldStorePaths
{
    /// <summary>Folders of the data folder are the service user's alone (photos' GPS, the key ring, the SQLite file).</summary>
    public const UnixFileMode PrivateFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    /// <summary>Files the store writes itself (the SQLite file, uploaded zips).</summary>
    public const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public FieldStorePaths(string dataFolder)
    {
        Root = Path.GetFullPath(dataFolder);
        Photos = Path.Combine(Root, "photos");
        Thumbnails = Path.Combine(Root, "thumbs");
        Imports = Path.Combine(Root, "imports");
        Keys = Path.Combine(Root, "keys");
        Temp = Path.Combine(Root, "tmp");
        foreach (var folder in new[] { Root, Photos, Thumbnails, Imports, Keys, Temp }) CreatePrivateFolder(folder);
    }

    public string Root { get; }
    public string Photos { get; }
    public string Thumbnails { get; }
    public string Imports { get; }
    /// <summary>The Data Protection key ring (cookies, tokens).</summary>
    public string Keys { get; }
    /// <summary>Files being written; on the same file system as the final places so a move is atomic.</summary>
    public string Temp { get; }

    public string Photo(string sha256, string extension) => Path.Combine(Photos, sha256[..2], $"{sha256[2..]}.{extension}");
    public string Thumbnail(string sha256) => Path.Combine(Thumbnails, sha256[..2], $"{sha256[2..]}.jpg");
    public string NewTempFile() => Path.Combine(Temp, $"{Guid.NewGuid():N}.part");

    /// <summary>A path inside the data folder from a relative one, refusing any that would escape it.</summary>
    public string Resolve(string relative)
    {
        var full = Path.GetFullPath(Path.Combine(Root, relative));
        if (!full.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new InvalidOperationException($"'{relative}' is outside the data folder.");
        return full;
    }

    /// <summary>Deletes an import job's zip (relative to the data folder); false when it could not (gone already, or in use on Windows).</summary>
    public bool DeleteImportArchive(string relative)
    {
        try
        {
            var path = Resolve(relative);
            if (!File.Exists(path)) return false;
            File.Delete(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Creates a folder readable by the service user alone on Unix, and narrows one made earlier with a wider mode.</summary>
    public static void CreatePrivateFolder(string folder)
    {
        if (OperatingSystem.IsWindows()) { Directory.CreateDirectory(folder); return; }
        Directory.CreateDirectory(folder, PrivateFolder);
        if ((File.GetUnixFileMode(folder) & ~PrivateFolder) == 0) return;
        try
        {
            File.SetUnixFileMode(folder, PrivateFolder);
        }
        catch (UnauthorizedAccessException)
        {
            // Another user's folder the service may write in: its owner decides its mode.
        }
    }

    /// <summary>Options for a new file readable by the service user alone (0600 on Unix).</summary>
    public static FileStreamOptions PrivateNewFile(FileOptions options = FileOptions.None)
    {
        var stream = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 81920, Options = options };
        if (!OperatingSystem.IsWindows()) stream.UnixCreateMode = PrivateFile;
        return stream;
    }

    /// <summary>Narrows a file the store did not create itself (the SQLite file and its journals) to the service user.</summary>
    public static void MakePrivate(string file)
    {
        if (!OperatingSystem.IsWindows() && File.Exists(file) && (File.GetUnixFileMode(file) & ~PrivateFile) != 0) File.SetUnixFileMode(file, PrivateFile);
    }
}
