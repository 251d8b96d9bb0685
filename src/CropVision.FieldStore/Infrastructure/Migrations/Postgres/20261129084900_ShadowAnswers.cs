using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace CropVision.FieldStore.Infrastructure.Migrations.Postgres
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
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    PhotoSha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Crop = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    ServingVersion = table.Column<int>(type: "integer", nullable: false),
                    ServingLabel = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    ServingStatus = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    ServingConfidence = table.Column<double>(type: "double precision", nullable: false),
                    ShadowVersion = table.Column<int>(type: "integer", nullable: false),
                    ShadowLabel = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    ShadowStatus = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    ShadowConfidence = table.Column<double>(type: "double precision", nullable: false),
                    Agreed = table.Column<bool>(type: "boolean", nullable: false),
                    At = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
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
