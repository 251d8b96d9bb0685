namespace CropVision.FieldStore.Model;

/// <summary>A field survey: officers of one team photograph leaves plot by plot in an area over some days.</summary>
public sealed class Survey
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    /// <summary>The crop surveyed (coffee, rubber, ginseng): every observation is diagnosed with this crop's model.</summary>
    public required string Crop { get; set; }
    public string? District { get; set; }
    public string? Commune { get; set; }
    public DateOnly? StartsOn { get; set; }
    public DateOnly? EndsOn { get; set; }
    /// <summary>The team that owns the survey; officers see their own team's surveys only.</summary>
    public required string Team { get; set; }
    /// <summary>User name of the officer who created it.</summary>
    public required string CreatedBy { get; set; }
    public string? Notes { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    /// <summary>Set when the survey is closed: it then takes no more observations.</summary>
    public DateTimeOffset? ClosedAt { get; set; }

    public bool IsClosed => ClosedAt is not null;
    public List<Observation> Observations { get; set; } = [];
}
