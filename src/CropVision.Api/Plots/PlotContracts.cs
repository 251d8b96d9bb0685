using System.Text.Json;
using CropVision.FieldStore.Model;

namespace CropVision.Api.Plots;

/// <summary>POST /v1/plots: code (unique in the team), name, commune, owner (farmer's code), boundary (a GeoJSON Polygon or MultiPolygon), areaM2 (used without a boundary), team (admins only).</summary>
public sealed record NewPlot(string? Code, string? Name, string? Commune, string? Owner, JsonElement? Boundary, double? AreaM2, string? Team);

/// <summary>PATCH /v1/plots/{id}: fields to change; clearBoundary: true removes the boundary.</summary>
public sealed record PlotChange(string? Code, string? Name, string? Commune, string? Owner, JsonElement? Boundary, double? AreaM2, bool? ClearBoundary);

public sealed record PlotView(Guid Id, string Team, string Code, string? Name, string? Commune, string? Owner, JsonElement? Boundary, double? AreaM2,
    string AreaSource, string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static PlotView From(Plot p) => new(p.Id, p.Team, p.Code, p.Name, p.Commune, p.Owner,
        p.BoundaryGeoJson is null ? null : JsonDocument.Parse(p.BoundaryGeoJson).RootElement.Clone(), p.AreaM2,
        p.BoundaryGeoJson is not null ? "boundary" : p.AreaM2 is not null ? "entered" : "none", p.CreatedBy, p.CreatedAt, p.UpdatedAt);
}
