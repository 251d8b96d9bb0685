using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CropVision.FieldStore.Infrastructure.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ObservationIdempotencyKey : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "IdempotencyKey",
                table: "Observations",
                type: "character varying(100)",
                maxLength: 100,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_Observations_SurveyId_IdempotencyKey",
                table: "Observations",
                columns: new[] { "SurveyId", "IdempotencyKey" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Observations_SurveyId_IdempotencyKey",
                table: "Observations");

            migrationBuilder.DropColumn(
                name: "IdempotencyKey",
                table: "Observations");
        }
    }
}
