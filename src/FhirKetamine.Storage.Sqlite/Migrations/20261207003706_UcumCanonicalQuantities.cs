using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FhirKetamine.Storage.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class UcumCanonicalQuantities : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "CanonicalCode",
                table: "search_token_quantity",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "CanonicalValue",
                table: "search_token_quantity",
                type: "REAL",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "CanonicalCode",
                table: "search_quantity",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "CanonicalHigh",
                table: "search_quantity",
                type: "REAL",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "CanonicalLow",
                table: "search_quantity",
                type: "REAL",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "CanonicalValue",
                table: "search_quantity",
                type: "REAL",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_search_quantity_ResourceType_ParamName_CanonicalCode_CanonicalValue",
                table: "search_quantity",
                columns: new[] { "ResourceType", "ParamName", "CanonicalCode", "CanonicalValue" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_search_quantity_ResourceType_ParamName_CanonicalCode_CanonicalValue",
                table: "search_quantity");

            migrationBuilder.DropColumn(
                name: "CanonicalCode",
                table: "search_token_quantity");

            migrationBuilder.DropColumn(
                name: "CanonicalValue",
                table: "search_token_quantity");

            migrationBuilder.DropColumn(
                name: "CanonicalCode",
                table: "search_quantity");

            migrationBuilder.DropColumn(
                name: "CanonicalHigh",
                table: "search_quantity");

            migrationBuilder.DropColumn(
                name: "CanonicalLow",
                table: "search_quantity");

            migrationBuilder.DropColumn(
                name: "CanonicalValue",
                table: "search_quantity");
        }
    }
}
