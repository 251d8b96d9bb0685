using CropVision.FieldStore.Infrastructure;
using CropVision.FieldStore.Model;
using CropVision.FieldStore.Observations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CropVision.Tests.Support;

/// <summary>Puts photos into a test field store as a survey's observations, some reviewed by an officer.</summary>
public static class FieldPhotos
{
    public sealed record Photo(byte[] Bytes, string Plot, string? Confirmed, string? Severity = null, string? ModelLabel = null, string? ModelStatus = "ok");

    public static async Task<Guid> AddSurveyAsync(IServiceProvider services, string crop, IEnumerable<Photo> photos)
    {
        var surveyId = Guid.NewGuid();
        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<FieldStoreContext>();
            db.Surveys.Add(new Survey { Id = surveyId, Name = "Đắk Hà 2026", Crop = crop, Team = "dak-ha", CreatedBy = "lan", Commune = "Hà Mòn" });
            await db.SaveChangesAsync();
        }
        int n = 0;
        foreach (var photo in photos)
        {
            await using var scope = services.CreateAsyncScope();
            var store = scope.ServiceProvider.GetRequiredService<ObservationStore>();
            var added = await store.AddAsync(new ObservationInput
            {
                Crop = crop, SurveyId = surveyId, PlotCode = photo.Plot, Commune = "Hà Mòn", Officer = "lan",
                ClientLatitude = 14.6 + n * 0.01, ClientLongitude = 108.0, ClientTakenAt = new DateTimeOffset(2026, 11, 2, 8, n % 60, 0, TimeSpan.FromHours(7)),
                Model = new ModelAnswer(1, photo.ModelLabel ?? photo.Confirmed ?? "rust", 0.8, "1", photo.ModelStatus ?? "ok"),
            }, photo.Bytes, CancellationToken.None);
            n++;
            if (photo.Confirmed is null) continue;
            var db = scope.ServiceProvider.GetRequiredService<FieldStoreContext>();
            await db.Observations.Where(o => o.Id == added.Observation.Id).ExecuteUpdateAsync(u => u
                .SetProperty(o => o.ConfirmedLabel, photo.Confirmed)
                .SetProperty(o => o.ConfirmedSeverity, photo.Severity)
                .SetProperty(o => o.ReviewedBy, "lan")
                .SetProperty(o => o.ReviewedAt, new DateTimeOffset(2026, 11, 3, 9, 0, 0, TimeSpan.Zero)));
        }
        return surveyId;
    }
}
