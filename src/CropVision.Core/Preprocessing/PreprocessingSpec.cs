using System.Text.Json.Serialization;

namespace CropVision.Core.Preprocessing;

/// <summary>Flip applied to every tile to make one test-time view.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Flip>))]
public enum Flip { None, Horizontal, Vertical, Both }

/// <summary>How a photo was framed, judged from its shape: it decides which views the model sees.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Framing>))]
public enum Framing
{
    /// <summary>Long, like a whole detached leaf (BRACOL's 2:1): resized to the spec's size and cut into tiles.</summary>
    Wide,
    /// <summary>Near square, like a close-up of part of a leaf: the centred square, never stretched to the wide shape.</summary>
    CloseUp,
}

/// <summary>
/// How an image becomes the model's input. Stored in each model's manifest so serving preprocesses exactly as training did.
/// The oriented image is resized (stretched) to <see cref="ResizeWidth"/> x <see cref="ResizeHeight"/>, cut into square
/// tiles of <see cref="TileSize"/> laid left to right, and each tile is seen once per flip.
/// Tensor layout: [flips, tiles, 3, TileSize, TileSize], RGB, 0..255 (BGR order and mean subtraction happen in the graph).
/// With <see cref="CloseUpBelowAspect"/> set, the views follow the photo's shape (see <see cref="Framing"/>): a photo whose
/// long side is less than that many times its short side is a close-up; its centred square is resized to one tile, and
/// the "tiles" of each flip are that square as it is and mirrored left-right, so the tensor layout (and the number of
/// backbone passes) stays the same for every photo.
/// </summary>
public sealed record PreprocessingSpec
{
    public int ResizeWidth { get; init; } = 448;
    public int ResizeHeight { get; init; } = 224;
    public int TileSize { get; init; } = 224;
    /// <summary>Photos taken in portrait are turned so the long side is horizontal, as the training leaves lie.</summary>
    public bool LongSideHorizontal { get; init; } = true;
    public IReadOnlyList<Flip> Flips { get; init; } = [Flip.None, Flip.Both];
    /// <summary>Photos with long side / short side below this are close-ups (null: every photo is treated as wide, as model 1 was).</summary>
    public double? CloseUpBelowAspect { get; init; }

    /// <summary>
    /// Near-square photos are framed by what they show (<see cref="PlainBackground"/>): a whole leaf on a plain
    /// background (a phone's 4:3 photo of a leaf on paper) is wide, its views cut from the leaf's box grown to the
    /// spec's shape; anything else stays a close-up. Needs <see cref="CloseUpBelowAspect"/>; false keeps the shape rule
    /// alone (versions trained before it).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] // absent from older manifests and cache keys
    public bool FramingByContent { get; init; }

    /// <summary>The framing this spec gives an upright photo of this size, from its shape alone (a near-square photo framed by content may still turn out wide).</summary>
    public Framing FramingOf(int width, int height) =>
        CloseUpBelowAspect is { } a && Math.Max(width, height) < a * Math.Min(width, height) ? Framing.CloseUp : Framing.Wide;

    [JsonIgnore] public int TilesAcross => ResizeWidth / TileSize;
    [JsonIgnore] public int TilesDown => ResizeHeight / TileSize;
    [JsonIgnore] public int TileCount => TilesAcross * TilesDown;
    [JsonIgnore] public int ViewCount => Flips.Count * TileCount;
    [JsonIgnore] public int FloatsPerView => 3 * TileSize * TileSize;
    [JsonIgnore] public int FloatsPerImage => ViewCount * FloatsPerView;

    /// <summary>Equal when every setting and the flip list match (the list by content, not by reference).</summary>
    public bool Equals(PreprocessingSpec? other) =>
        other is not null && ResizeWidth == other.ResizeWidth && ResizeHeight == other.ResizeHeight && TileSize == other.TileSize
        && LongSideHorizontal == other.LongSideHorizontal && Flips.SequenceEqual(other.Flips) && CloseUpBelowAspect == other.CloseUpBelowAspect && FramingByContent == other.FramingByContent;

    public override int GetHashCode() => HashCode.Combine(ResizeWidth, ResizeHeight, TileSize, LongSideHorizontal, Flips.Count);

    public void Validate()
    {
        if (TileSize <= 0 || ResizeWidth <= 0 || ResizeHeight <= 0) throw new InvalidDataException("Preprocessing sizes must be positive.");
        if (ResizeWidth % TileSize != 0 || ResizeHeight % TileSize != 0)
            throw new InvalidDataException($"Resize {ResizeWidth}x{ResizeHeight} is not a whole number of {TileSize}px tiles.");
        if (Flips.Count == 0) throw new InvalidDataException("At least one flip (None) is needed.");
        if (CloseUpBelowAspect is <= 1) throw new InvalidDataException($"closeUpBelowAspect {CloseUpBelowAspect} must be above 1 (or absent).");
        if (FramingByContent && CloseUpBelowAspect is null) throw new InvalidDataException("framingByContent needs closeUpBelowAspect (which photos are near-square).");
    }

    /// <summary>Single view, no tiling or flips: what a plain 224x224 classifier would see.</summary>
    public static PreprocessingSpec Plain224 => new() { ResizeWidth = 224, ResizeHeight = 224, Flips = [Flip.None] };
}
