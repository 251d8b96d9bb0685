using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CropVision.FieldStore.Infrastructure.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ShadowAnswers : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ShadowAnswers",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    PhotoSha256 = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Crop = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    ServingVersion = table.Column<int>(type: "INTEGER", nullable: false),
                    ServingLabel = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    ServingStatus = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    ServingConfidence = table.Column<double>(type: "REAL", nullable: false),
                    ShadowVersion = table.Column<int>(type: "INTEGER", nullable: false),
                    ShadowLabel = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    ShadowStatus = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    ShadowConfidence = table.Column<double>(type: "REAL", nullable: false),
                    Agreed = table.Column<bool>(type: "INTEGER", nullable: false),
                    At = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ShadowAnswers", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ShadowAnswers_Crop_ShadowVersion_At",
                table: "ShadowAnswers",
                columns: new[] { "Crop", "ShadowVersion", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_ShadowAnswers_PhotoSha256",
                table: "ShadowAnswers",
                column: "PhotoSha256");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ShadowAnswers");
        }
    }
}
