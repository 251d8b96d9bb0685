namespace CropVision.FieldStore;

/// <summary>The data folder's layout: photos/ab/cdef....jpg, thumbs/ab/cdef....jpg, imports/, tmp/.</summary>
public sealed class FieldStorePaths
{
    public FieldStorePaths(string dataFolder)
    {
        Root = Path.GetFullPath(dataFolder);
        Photos = Path.Combine(Root, "photos");
        Thumbnails = Path.Combine(Root, "thumbs");
        Imports = Path.Combine(Root, "imports");
        Temp = Path.Combine(Root, "tmp");
        foreach (var folder in new[] { Root, Photos, Thumbnails, Imports, Temp }) Directory.CreateDirectory(folder);
    }

    public string Root { get; }
    public string Photos { get; }
    public string Thumbnails { get; }
    public string Imports { get; }
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
}
