using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CropVision.FieldStore.Infrastructure.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class DeviceAnswers : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "ClientId",
                table: "Observations",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "DeviceConfidence",
                table: "Observations",
                type: "double precision",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "DeviceLabel",
                table: "Observations",
                type: "character varying(100)",
                maxLength: 100,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "DeviceModelVersion",
                table: "Observations",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "DeviceProbabilities",
                table: "Observations",
                type: "character varying(4000)",
                maxLength: 4000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "DeviceSeverity",
                table: "Observations",
                type: "character varying(20)",
                maxLength: 20,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "DeviceStatus",
                table: "Observations",
                type: "character varying(20)",
                maxLength: 20,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_Observations_ClientId",
                table: "Observations",
                column: "ClientId",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Observations_ClientId",
                table: "Observations");

            migrationBuilder.DropColumn(
                name: "ClientId",
                table: "Observations");

            migrationBuilder.DropColumn(
                name: "DeviceConfidence",
                table: "Observations");

            migrationBuilder.DropColumn(
                name: "DeviceLabel",
                table: "Observations");

            migrationBuilder.DropColumn(
                name: "DeviceModelVersion",
                table: "Observations");

            migrationBuilder.DropColumn(
                name: "DeviceProbabilities",
                table: "Observations");

            migrationBuilder.DropColumn(
                name: "DeviceSeverity",
                table: "Observations");

            migrationBuilder.DropColumn(
                name: "DeviceStatus",
                table: "Observations");
        }
    }
}
