namespace CropVision.FieldStore.Model;

/// <summary>
/// A plot (lô) that persists across surveys: one team's, its code unique within the team. Observations link to it;
/// their <see cref="Observation.PlotCode"/> is kept as the plot's code, so exports and summaries read it directly.
/// </summary>
public sealed class Plot
{
    public Guid Id { get; set; }
    public required string Team { get; set; }
    public required string Code { get; set; }
    public string? Name { get; set; }
    public string? Commune { get; set; }
    /// <summary>The owner's (farmer's) code, as the district records it.</summary>
    public string? Owner { get; set; }
    /// <summary>The boundary as a GeoJSON geometry (Polygon or MultiPolygon, WGS 84 lon/lat), or null.</summary>
    public string? BoundaryGeoJson { get; set; }
    /// <summary>Area in m²: computed from the boundary when there is one, else as entered.</summary>
    public double? AreaM2 { get; set; }
    public required string CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
