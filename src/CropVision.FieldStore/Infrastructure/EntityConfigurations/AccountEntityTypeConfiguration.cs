using CropVision.FieldStore.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CropVision.FieldStore.Infrastructure.EntityConfigurations;

sealed class AccountEntityTypeConfiguration : IEntityTypeConfiguration<Account>
{
    public void Configure(EntityTypeBuilder<Account> builder)
    {
        builder.Property(a => a.Team).HasMaxLength(100);
        builder.Property(a => a.DisplayName).HasMaxLength(200);
    }
}
