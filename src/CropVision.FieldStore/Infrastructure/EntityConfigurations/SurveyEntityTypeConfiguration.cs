using CropVision.FieldStore.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CropVision.FieldStore.Infrastructure.EntityConfigurations;

sealed class SurveyEntityTypeConfiguration : IEntityTypeConfiguration<Survey>
{
    public void Configure(EntityTypeBuilder<Survey> builder)
    {
        builder.ToTable("Surveys");
        builder.Property(s => s.Name).HasMaxLength(200);
        builder.Property(s => s.Crop).HasMaxLength(50);
        builder.Property(s => s.District).HasMaxLength(100);
        builder.Property(s => s.Commune).HasMaxLength(100);
        builder.Property(s => s.Team).HasMaxLength(100);
        builder.Property(s => s.CreatedBy).HasMaxLength(256);
        builder.Property(s => s.Notes).HasMaxLength(4000);
        builder.Ignore(s => s.IsClosed);
        builder.HasIndex(s => new { s.Team, s.CreatedAt });
    }
}
