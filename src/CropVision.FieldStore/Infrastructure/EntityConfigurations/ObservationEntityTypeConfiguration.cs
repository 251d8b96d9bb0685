using CropVision.FieldStore.Model;
using CropVision.FieldStore.Observations;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CropVision.FieldStore.Infrastructure.EntityConfigurations;

sealed class ObservationEntityTypeConfiguration : IEntityTypeConfiguration<Observation>
{
    public void Configure(EntityTypeBuilder<Observation> builder)
    {
        builder.ToTable("Observations");
        builder.Property(o => o.Source).HasConversion<string>().HasMaxLength(20);
        builder.Property(o => o.TakenAtSource).HasConversion<string>().HasMaxLength(10);
        builder.Property(o => o.PositionSource).HasConversion<string>().HasMaxLength(10);
        builder.Property(o => o.FarmerVerdict).HasConversion<string>().HasMaxLength(10);
        builder.Property(o => o.PhotoSha256).HasMaxLength(64);
        builder.Property(o => o.OriginalName).HasMaxLength(260);
        builder.Property(o => o.Crop).HasMaxLength(50);
        builder.Property(o => o.PlotCode).HasMaxLength(100);
        builder.Property(o => o.Commune).HasMaxLength(100);
        builder.Property(o => o.Officer).HasMaxLength(256);
        builder.Property(o => o.IdempotencyKey).HasMaxLength(ObservationInput.MaxIdempotencyKeyLength);
        builder.Property(o => o.ModelLabel).HasMaxLength(100);
        builder.Property(o => o.ModelSeverity).HasMaxLength(20);
        builder.Property(o => o.ModelStatus).HasMaxLength(20);
        builder.Property(o => o.ModelError).HasMaxLength(1000);
        builder.Property(o => o.ConfirmedLabel).HasMaxLength(100);
        builder.Property(o => o.ConfirmedSeverity).HasMaxLength(20);
        builder.Property(o => o.ReviewedBy).HasMaxLength(256);
        builder.Property(o => o.Notes).HasMaxLength(4000);
        builder.Property(o => o.FarmerLabel).HasMaxLength(100);
        builder.Property(o => o.DeviceLabel).HasMaxLength(100);
        builder.Property(o => o.DeviceSeverity).HasMaxLength(20);
        builder.Property(o => o.DeviceStatus).HasMaxLength(20);
        builder.Property(o => o.DeviceProbabilities).HasMaxLength(4000);
        builder.Ignore(o => o.IsReviewed);
        builder.Ignore(o => o.AnsweredOnDevice);

        builder.HasOne(o => o.Survey).WithMany(s => s.Observations).HasForeignKey(o => o.SurveyId).OnDelete(DeleteBehavior.Cascade);
        // A photo row is removed only by the store's reference-counted delete, never by a cascade.
        // Deleting a plot keeps its observations (and their plot code as text).
        builder.HasOne(o => o.Plot).WithMany().HasForeignKey(o => o.PlotId).OnDelete(DeleteBehavior.SetNull);
        builder.HasOne(o => o.Photo).WithMany().HasForeignKey(o => o.PhotoSha256).OnDelete(DeleteBehavior.Restrict);

        // The same photo twice in one survey is one observation (idempotent imports); rows with no survey
        // (farmer feedback) never collide, as both databases treat NULLs in a unique index as distinct.
        builder.HasIndex(o => new { o.SurveyId, o.PhotoSha256 }).IsUnique();
        // One observation per client key in a survey: a phone's resend after a lost answer finds the first (NULLs distinct).
        builder.HasIndex(o => new { o.SurveyId, o.IdempotencyKey }).IsUnique();
        builder.HasIndex(o => new { o.SurveyId, o.TakenAt });
        builder.HasIndex(o => o.PhotoSha256);
        // One row per phone answer: a retried upload of the same answer finds the first (NULLs never collide).
        builder.HasIndex(o => o.ClientId).IsUnique();
        builder.HasIndex(o => new { o.Source, o.CreatedAt });
    }
}
