using System.Text.Json.Serialization;

namespace CropVision.Core.Preprocessing;

/// <summary>Flip applied to every tile to make one test-time view.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Flip>))]
public enum Flip { None, Horizontal, Vertical, Both }

/// <summary>
/// How an image becomes the model's input. Stored in each model's manifest so serving preprocesses exactly as training did.
/// The oriented image is resized (stretched) to <see cref="ResizeWidth"/> x <see cref="ResizeHeight"/>, cut into square
/// tiles of <see cref="TileSize"/> laid left to right, and each tile is seen once per flip.
/// Tensor layout: [flips, tiles, 3, TileSize, TileSize], RGB, 0..255 (BGR order and mean subtraction happen in the graph).
/// </summary>
public sealed record PreprocessingSpec
{
    public int ResizeWidth { get; init; } = 448;
    public int ResizeHeight { get; init; } = 224;
    public int TileSize { get; init; } = 224;
    /// <summary>Photos taken in portrait are turned so the long side is horizontal, as the training leaves lie.</summary>
    public bool LongSideHorizontal { get; init; } = true;
    public IReadOnlyList<Flip> Flips { get; init; } = [Flip.None, Flip.Both];

    [JsonIgnore] public int TilesAcross => ResizeWidth / TileSize;
    [JsonIgnore] public int TilesDown => ResizeHeight / TileSize;
    [JsonIgnore] public int TileCount => TilesAcross * TilesDown;
    [JsonIgnore] public int ViewCount => Flips.Count * TileCount;
    [JsonIgnore] public int FloatsPerView => 3 * TileSize * TileSize;
    [JsonIgnore] public int FloatsPerImage => ViewCount * FloatsPerView;

    /// <summary>Equal when every setting and the flip list match (the list by content, not by reference).</summary>
    public bool Equals(PreprocessingSpec? other) =>
        other is not null && ResizeWidth == other.ResizeWidth && ResizeHeight == other.ResizeHeight && TileSize == other.TileSize
        && LongSideHorizontal == other.LongSideHorizontal && Flips.SequenceEqual(other.Flips);

    public override int GetHashCode() => HashCode.Combine(ResizeWidth, ResizeHeight, TileSize, LongSideHorizontal, Flips.Count);

    public void Validate()
    {
        if (TileSize <= 0 || ResizeWidth <= 0 || ResizeHeight <= 0) throw new InvalidDataException("Preprocessing sizes must be positive.");
        if (ResizeWidth % TileSize != 0 || ResizeHeight % TileSize != 0)
            throw new InvalidDataException($"Resize {ResizeWidth}x{ResizeHeight} is not a whole number of {TileSize}px tiles.");
        if (Flips.Count == 0) throw new InvalidDataException("At least one flip (None) is needed.");
    }

    /// <summary>Single view, no tiling or flips: what a plain 224x224 classifier would see.</summary>
    public static PreprocessingSpec Plain224 => new() { ResizeWidth = 224, ResizeHeight = 224, Flips = [Flip.None] };
}
