namespace CropVision.Api.Officer;

/// <summary>"Map" section: where the officer pages' map takes its tiles.</summary>
public sealed class MapOptions
{
    public const string Section = "Map";
    /// <summary>Tile URL template ({z}/{x}/{y}); empty: no tiles, the points alone (offline).</summary>
    public string TileUrl { get; set; } = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
    public string TileAttribution { get; set; } = "© OpenStreetMap contributors";
}
