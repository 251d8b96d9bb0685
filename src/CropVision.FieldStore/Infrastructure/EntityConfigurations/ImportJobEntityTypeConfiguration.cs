using CropVision.FieldStore.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CropVision.FieldStore.Infrastructure.EntityConfigurations;

sealed class ImportJobEntityTypeConfiguration : IEntityTypeConfiguration<ImportJob>
{
    public void Configure(EntityTypeBuilder<ImportJob> builder)
    {
        builder.ToTable("ImportJobs");
        builder.Property(j => j.State).HasConversion<string>().HasMaxLength(20);
        builder.Property(j => j.Officer).HasMaxLength(256);
        builder.Property(j => j.ArchivePath).HasMaxLength(500);
        builder.Property(j => j.ArchiveName).HasMaxLength(260);
        builder.Property(j => j.Error).HasMaxLength(2000);
        builder.Property(j => j.LeaseOwner).HasMaxLength(200);
        builder.Property(j => j.DefaultPlot).HasMaxLength(100);
        builder.HasOne<Survey>().WithMany().HasForeignKey(j => j.SurveyId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(j => j.Problems).WithOne().HasForeignKey(p => p.JobId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(j => j.State);
    }
}

sealed class ImportJobProblemEntityTypeConfiguration : IEntityTypeConfiguration<ImportJobProblem>
{
    public void Configure(EntityTypeBuilder<ImportJobProblem> builder)
    {
        builder.ToTable("ImportJobProblems");
        builder.Property(p => p.EntryName).HasMaxLength(500);
        builder.Property(p => p.Reason).HasMaxLength(1000);
        builder.HasIndex(p => new { p.JobId, p.EntryIndex }).IsUnique();
    }
}
