using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FhirKetamine.Storage.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class CoveringProbeIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_search_token_ResourceKey_ParamName",
                table: "search_token");

            migrationBuilder.DropIndex(
                name: "IX_search_reference_ResourceType_ParamName_TargetId_TargetType",
                table: "search_reference");

            migrationBuilder.DropIndex(
                name: "IX_search_quantity_ResourceKey_ParamName",
                table: "search_quantity");

            migrationBuilder.DropIndex(
                name: "IX_search_date_ResourceKey_ParamName",
                table: "search_date");

            migrationBuilder.CreateIndex(
                name: "IX_search_token_ResourceKey_ParamName_System_Code",
                table: "search_token",
                columns: new[] { "ResourceKey", "ParamName", "System", "Code" });

            migrationBuilder.CreateIndex(
                name: "IX_search_reference_ResourceType_ParamName_TargetId_TargetType_ResourceKey",
                table: "search_reference",
                columns: new[] { "ResourceType", "ParamName", "TargetId", "TargetType", "ResourceKey" });

            migrationBuilder.CreateIndex(
                name: "IX_search_quantity_ResourceKey_ParamName_Value_Code",
                table: "search_quantity",
                columns: new[] { "ResourceKey", "ParamName", "Value", "Code" });

            migrationBuilder.CreateIndex(
                name: "IX_search_date_ResourceKey_ParamName_Start_End",
                table: "search_date",
                columns: new[] { "ResourceKey", "ParamName", "Start", "End" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_search_token_ResourceKey_ParamName_System_Code",
                table: "search_token");

            migrationBuilder.DropIndex(
                name: "IX_search_reference_ResourceType_ParamName_TargetId_TargetType_ResourceKey",
                table: "search_reference");

            migrationBuilder.DropIndex(
                name: "IX_search_quantity_ResourceKey_ParamName_Value_Code",
                table: "search_quantity");

            migrationBuilder.DropIndex(
                name: "IX_search_date_ResourceKey_ParamName_Start_End",
                table: "search_date");

            migrationBuilder.CreateIndex(
                name: "IX_search_token_ResourceKey_ParamName",
                table: "search_token",
                columns: new[] { "ResourceKey", "ParamName" });

            migrationBuilder.CreateIndex(
                name: "IX_search_reference_ResourceType_ParamName_TargetId_TargetType",
                table: "search_reference",
                columns: new[] { "ResourceType", "ParamName", "TargetId", "TargetType" });

            migrationBuilder.CreateIndex(
                name: "IX_search_quantity_ResourceKey_ParamName",
                table: "search_quantity",
                columns: new[] { "ResourceKey", "ParamName" });

            migrationBuilder.CreateIndex(
                name: "IX_search_date_ResourceKey_ParamName",
                table: "search_date",
                columns: new[] { "ResourceKey", "ParamName" });
        }
    }
}
