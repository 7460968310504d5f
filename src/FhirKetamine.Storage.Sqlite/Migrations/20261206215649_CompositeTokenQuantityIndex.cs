using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FhirKetamine.Storage.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class CompositeTokenQuantityIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "search_token_quantity",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    System = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    Code = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    QuantitySystem = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    QuantityCode = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Value = table.Column<double>(type: "REAL", nullable: false),
                    ResourceKey = table.Column<long>(type: "INTEGER", nullable: false),
                    ResourceType = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ParamName = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_search_token_quantity", x => x.Id);
                    table.ForeignKey(
                        name: "FK_search_token_quantity_resources_ResourceKey",
                        column: x => x.ResourceKey,
                        principalTable: "resources",
                        principalColumn: "Key",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_search_token_quantity_ResourceKey_ParamName_Code_Value",
                table: "search_token_quantity",
                columns: new[] { "ResourceKey", "ParamName", "Code", "Value" });

            migrationBuilder.CreateIndex(
                name: "IX_search_token_quantity_ResourceType_ParamName_Code_System_Value",
                table: "search_token_quantity",
                columns: new[] { "ResourceType", "ParamName", "Code", "System", "Value" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "search_token_quantity");
        }
    }
}
