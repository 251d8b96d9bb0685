using CropVision.FieldStore.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CropVision.FieldStore.Infrastructure.EntityConfigurations;

sealed class PlotEntityTypeConfiguration : IEntityTypeConfiguration<Plot>
{
    public void Configure(EntityTypeBuilder<Plot> builder)
    {
        builder.ToTable("Plots");
        builder.Property(p => p.Team).HasMaxLength(100);
        builder.Property(p => p.Code).HasMaxLength(100);
        builder.Property(p => p.Name).HasMaxLength(200);
        builder.Property(p => p.Commune).HasMaxLength(100);
        builder.Property(p => p.Owner).HasMaxLength(100);
        builder.Property(p => p.CreatedBy).HasMaxLength(256);
        // A code names one plot per team (imports and uploads find plots by it; two writers racing meet here).
        builder.HasIndex(p => new { p.Team, p.Code }).IsUnique();
        builder.HasIndex(p => new { p.Team, p.Commune });
    }
}

sealed class ReviewEventEntityTypeConfiguration : IEntityTypeConfiguration<ReviewEvent>
{
    public void Configure(EntityTypeBuilder<ReviewEvent> builder)
    {
        builder.ToTable("ReviewEvents");
        builder.Property(e => e.Kind).HasConversion<string>().HasMaxLength(10);
        builder.Property(e => e.By).HasMaxLength(256);
        builder.Property(e => e.FromLabel).HasMaxLength(100);
        builder.Property(e => e.ToLabel).HasMaxLength(100);
        builder.Property(e => e.FromSeverity).HasMaxLength(20);
        builder.Property(e => e.ToSeverity).HasMaxLength(20);
        builder.Property(e => e.Comment).HasMaxLength(1000);
        builder.HasOne<Observation>().WithMany().HasForeignKey(e => e.ObservationId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(e => new { e.ObservationId, e.Id });
    }
}
