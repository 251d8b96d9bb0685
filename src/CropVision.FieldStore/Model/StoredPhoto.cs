namespace CropVision.FieldStore.Model;

/// <summary>
/// A photo file stored once by content (SHA-256). Observations reference it; the file goes only when the last
/// observation that uses it is deleted.
/// </summary>
public sealed class StoredPhoto
{
    /// <summary>Lower-case hex SHA-256 of the bytes: the key and the file name.</summary>
    public required string Sha256 { get; set; }
    /// <summary>jpg, png or webp (sniffed from the bytes).</summary>
    public required string Extension { get; set; }
    public long Length { get; set; }
    public int Width { get; set; }
    public int Height { get; set; }
    public DateTimeOffset StoredAt { get; set; }
}
