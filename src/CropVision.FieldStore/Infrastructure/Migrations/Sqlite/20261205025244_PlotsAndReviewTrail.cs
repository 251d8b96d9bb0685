using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CropVision.FieldStore.Infrastructure.Migrations.Sqlite
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
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "DefaultPlot",
                table: "ImportJobs",
                type: "TEXT",
                maxLength: 100,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "PlotsCreated",
                table: "ImportJobs",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "PlotsUsed",
                table: "ImportJobs",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "TotalPhotos",
                table: "ImportJobs",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateTable(
                name: "Plots",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Team = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Code = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    Commune = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    Owner = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    BoundaryGeoJson = table.Column<string>(type: "TEXT", nullable: true),
                    AreaM2 = table.Column<double>(type: "REAL", nullable: true),
                    CreatedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Plots", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ReviewEvents",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ObservationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 10, nullable: false),
                    By = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    At = table.Column<long>(type: "INTEGER", nullable: false),
                    FromReviewed = table.Column<bool>(type: "INTEGER", nullable: false),
                    FromLabel = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    FromSeverity = table.Column<string>(type: "TEXT", maxLength: 20, nullable: true),
                    ToReviewed = table.Column<bool>(type: "INTEGER", nullable: false),
                    ToLabel = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    ToSeverity = table.Column<string>(type: "TEXT", maxLength: 20, nullable: true),
                    Comment = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    UndoesEventId = table.Column<long>(type: "INTEGER", nullable: true)
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
