using CropVision.FieldStore.Infrastructure;
using CropVision.FieldStore.Model;
using CropVision.FieldStore.Photos;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CropVision.Tests.Support;

/// <summary>Reads farmer feedback back from a running service's field store (its own DbContext, not the API).</summary>
public static class StoredFeedback
{
    /// <summary>The farmer feedback observations, newest first, with their photos.</summary>
    public static async Task<List<Observation>> AllAsync<T>(WebApplicationFactory<T> service) where T : class
    {
        using var scope = service.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<FieldStoreContext>();
        var all = await db.Observations.AsNoTracking().Include(o => o.Photo)
            .Where(o => o.Source == ObservationSource.FarmerFeedback).ToListAsync();
        return [.. all.OrderByDescending(o => o.CreatedAt)];
    }

    /// <summary>The stored photo file's bytes.</summary>
    public static byte[] PhotoBytes<T>(WebApplicationFactory<T> service, Observation o) where T : class =>
        File.ReadAllBytes(service.Services.GetRequiredService<PhotoFiles>().PhotoPath(o.PhotoSha256!, o.Photo!.Extension));
}
