using System.Text;
using CropVision.FieldStore.Infrastructure;
using CropVision.FieldStore.Model;
using Microsoft.EntityFrameworkCore;

namespace CropVision.FieldStore.Plots;

/// <summary>Another plot of the team already has this code.</summary>
public sealed class PlotCodeTakenException(string code) : Exception($"The team already has a plot '{code}'.")
{
    public string Code { get; } = code;
}

/// <summary>
/// Plots: create, change, delete, and find-or-create by code (uploads and imports). A plot's code and commune are
/// copied onto its observations, so exports, summaries and filters by plot code read the record's values.
/// </summary>
public sealed class PlotStore(FieldStoreContext db, TimeProvider clock)
{
    public const int MaxCode = 100;

    /// <summary>A code as stored: trimmed, Unicode NFC (zips made on a Mac carry decomposed Vietnamese letters), or null when empty.</summary>
    public static string? NormalizeCode(string? code)
    {
        if (string.IsNullOrWhiteSpace(code)) return null;
        var c = code.Trim().Normalize(NormalizationForm.FormC);
        if (c.Length > MaxCode) throw new FieldStoreValidationException($"A plot code is at most {MaxCode} characters.");
        return c;
    }

    public async Task<Plot> CreateAsync(Plot plot, CancellationToken ct)
    {
        plot.Code = NormalizeCode(plot.Code) ?? throw new FieldStoreValidationException("A plot needs a code.");
        plot.Id = plot.Id == Guid.Empty ? Guid.NewGuid() : plot.Id;
        plot.CreatedAt = plot.UpdatedAt = clock.GetUtcNow();
        using var span = FieldStoreTelemetry.StartWrite("create plot");
        if (await db.Plots.AnyAsync(p => p.Team == plot.Team && p.Code == plot.Code, ct)) throw new PlotCodeTakenException(plot.Code);
        db.Plots.Add(plot);
        try { await db.SaveChangesAsync(ct); }
        catch (DbUpdateException) { db.Entry(plot).State = EntityState.Detached; throw new PlotCodeTakenException(plot.Code); } // lost a race for the code
        db.Entry(plot).State = EntityState.Detached;
        return plot;
    }

    /// <summary>Changes a plot read without tracking; a new code or commune is copied onto its observations in the same transaction.</summary>
    public async Task<Plot> UpdateAsync(Plot plot, Action<Plot> change, CancellationToken ct)
    {
        using var span = FieldStoreTelemetry.StartWrite("update plot");
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        db.Plots.Attach(plot);
        change(plot);
        plot.Code = NormalizeCode(plot.Code) ?? throw new FieldStoreValidationException("A plot needs a code.");
        if (await db.Plots.AnyAsync(p => p.Team == plot.Team && p.Code == plot.Code && p.Id != plot.Id, ct)) throw new PlotCodeTakenException(plot.Code);
        plot.UpdatedAt = clock.GetUtcNow();
        await db.SaveChangesAsync(ct);
        string code = plot.Code;
        await db.Observations.Where(o => o.PlotId == plot.Id).ExecuteUpdateAsync(s => s.SetProperty(o => o.PlotCode, code), ct);
        if (plot.Commune is { } commune)
            await db.Observations.Where(o => o.PlotId == plot.Id).ExecuteUpdateAsync(s => s.SetProperty(o => o.Commune, commune), ct);
        await transaction.CommitAsync(ct);
        db.Entry(plot).State = EntityState.Detached;
        return plot;
    }

    /// <summary>Deletes a plot; its observations keep their plot code as text (the link is cleared by the database).</summary>
    public async Task<bool> DeleteAsync(Guid id, CancellationToken ct)
    {
        using var span = FieldStoreTelemetry.StartWrite("delete plot");
        await db.Observations.Where(o => o.PlotId == id).ExecuteUpdateAsync(s => s.SetProperty(o => o.PlotId, (Guid?)null), ct);
        return await db.Plots.Where(p => p.Id == id).ExecuteDeleteAsync(ct) > 0;
    }

    /// <summary>The team's plots with these codes, creating those it lacks; says which were created.</summary>
    public async Task<(IReadOnlyDictionary<string, Plot> ByCode, IReadOnlyList<string> Created)> EnsureAsync(string team, IEnumerable<string?> codes, string by,
        CancellationToken ct)
    {
        var wanted = codes.Select(NormalizeCode).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        var created = new List<string>();
        for (int attempt = 0; ; attempt++)
        {
            var found = await db.Plots.AsNoTracking().Where(p => p.Team == team && wanted.Contains(p.Code)).ToDictionaryAsync(p => p.Code, StringComparer.Ordinal, ct);
            var missing = wanted.Where(c => !found.ContainsKey(c)).ToList();
            if (missing.Count == 0) return (found, created);
            try
            {
                foreach (var code in missing)
                {
                    await CreateAsync(new Plot { Team = team, Code = code, CreatedBy = by }, ct);
                    created.Add(code);
                }
            }
            catch (PlotCodeTakenException) when (attempt < 3)
            {
                // Another upload created it meanwhile: read again.
            }
        }
    }

    /// <summary>Links an observation tracked by this context to a plot (or none), copying the plot's code and commune.</summary>
    public static void Link(Observation o, Plot? plot)
    {
        o.PlotId = plot?.Id;
        o.PlotCode = plot?.Code;
        if (plot?.Commune is { } commune) o.Commune = commune;
    }
}
