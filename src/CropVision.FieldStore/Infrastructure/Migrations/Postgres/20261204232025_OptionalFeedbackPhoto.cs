using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CropVision.FieldStore.Infrastructure.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class OptionalFeedbackPhoto : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<string>(
                name: "PhotoSha256",
                table: "Observations",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true,
                oldClrType: typeof(string),
                oldType: "character varying(64)",
                oldMaxLength: 64);

            migrationBuilder.CreateIndex(
                name: "IX_Photos_StoredAt",
                table: "Photos",
                column: "StoredAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Photos_StoredAt",
                table: "Photos");

            migrationBuilder.AlterColumn<string>(
                name: "PhotoSha256",
                table: "Observations",
                type: "character varying(64)",
                maxLength: 64,
                nullable: false,
                defaultValue: "",
                oldClrType: typeof(string),
                oldType: "character varying(64)",
                oldMaxLength: 64,
                oldNullable: true);
        }
    }
}
