using CropVision.FieldStore.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CropVision.FieldStore.Infrastructure.EntityConfigurations;

sealed class ShadowAnswerEntityTypeConfiguration : IEntityTypeConfiguration<ShadowAnswer>
{
    public void Configure(EntityTypeBuilder<ShadowAnswer> builder)
    {
        builder.ToTable("ShadowAnswers");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.PhotoSha256).HasMaxLength(64);
        builder.Property(s => s.Crop).HasMaxLength(40);
        builder.Property(s => s.ServingLabel).HasMaxLength(100);
        builder.Property(s => s.ServingStatus).HasMaxLength(20);
        builder.Property(s => s.ShadowLabel).HasMaxLength(100);
        builder.Property(s => s.ShadowStatus).HasMaxLength(20);
        builder.HasIndex(s => s.PhotoSha256);
        builder.HasIndex(s => new { s.Crop, s.ShadowVersion, s.At });
    }
}
