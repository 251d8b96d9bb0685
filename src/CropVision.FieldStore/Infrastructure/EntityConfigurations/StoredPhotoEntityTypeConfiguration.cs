using CropVision.FieldStore.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CropVision.FieldStore.Infrastructure.EntityConfigurations;

sealed class StoredPhotoEntityTypeConfiguration : IEntityTypeConfiguration<StoredPhoto>
{
    public void Configure(EntityTypeBuilder<StoredPhoto> builder)
    {
        builder.ToTable("Photos");
        builder.HasKey(p => p.Sha256);
        builder.Property(p => p.Sha256).HasMaxLength(64);
        builder.Property(p => p.Extension).HasMaxLength(5);
        // The daily feedback quota sums the photos stored since midnight.
        builder.HasIndex(p => p.StoredAt);
    }
}
