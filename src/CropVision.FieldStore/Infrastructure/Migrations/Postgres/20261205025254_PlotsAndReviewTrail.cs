using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace CropVision.FieldStore.Infrastructure.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class PlotsAndReviewTrail : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "PlotId",
                table: "Observations",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "DefaultPlot",
                table: "ImportJobs",
                type: "character varying(100)",
                maxLength: 100,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "PlotsCreated",
                table: "ImportJobs",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "PlotsUsed",
                table: "ImportJobs",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "TotalPhotos",
                table: "ImportJobs",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateTable(
                name: "Plots",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Team = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    Code = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    Name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    Commune = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    Owner = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    BoundaryGeoJson = table.Column<string>(type: "text", nullable: true),
                    AreaM2 = table.Column<double>(type: "double precision", nullable: true),
                    CreatedBy = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    UpdatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Plots", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ReviewEvents",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    ObservationId = table.Column<Guid>(type: "uuid", nullable: false),
                    Kind = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    By = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    At = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    FromReviewed = table.Column<bool>(type: "boolean", nullable: false),
                    FromLabel = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    FromSeverity = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                    ToReviewed = table.Column<bool>(type: "boolean", nullable: false),
                    ToLabel = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    ToSeverity = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                    Comment = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    UndoesEventId = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ReviewEvents", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ReviewEvents_Observations_ObservationId",
                        column: x => x.ObservationId,
                        principalTable: "Observations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Observations_PlotId",
                table: "Observations",
                column: "PlotId");

            migrationBuilder.CreateIndex(
                name: "IX_Plots_Team_Code",
                table: "Plots",
                columns: new[] { "Team", "Code" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Plots_Team_Commune",
                table: "Plots",
                columns: new[] { "Team", "Commune" });

            migrationBuilder.CreateIndex(
                name: "IX_ReviewEvents_ObservationId_Id",
                table: "ReviewEvents",
                columns: new[] { "ObservationId", "Id" });

            migrationBuilder.AddForeignKey(
                name: "FK_Observations_Plots_PlotId",
                table: "Observations",
                column: "PlotId",
                principalTable: "Plots",
                principalColumn: "Id",
                onDelete: ReferentialAction.SetNull);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_Observations_Plots_PlotId",
                table: "Observations");

            migrationBuilder.DropTable(
                name: "Plots");

            migrationBuilder.DropTable(
                name: "ReviewEvents");

            migrationBuilder.DropIndex(
                name: "IX_Observations_PlotId",
                table: "Observations");

            migrationBuilder.DropColumn(
                name: "PlotId",
                table: "Observations");

            migrationBuilder.DropColumn(
                name: "DefaultPlot",
                table: "ImportJobs");

            migrationBuilder.DropColumn(
                name: "PlotsCreated",
                table: "ImportJobs");

            migrationBuilder.DropColumn(
                name: "PlotsUsed",
                table: "ImportJobs");

            migrationBuilder.DropColumn(
                name: "TotalPhotos",
                table: "ImportJobs");
        }
    }
}
