using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FhirKetamine.Storage.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class CompositeIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "search_composite",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    System = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    Code = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    ValueSystem = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    ValueCode = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    ValueText = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    Start = table.Column<DateTime>(type: "TEXT", nullable: true),
                    End = table.Column<DateTime>(type: "TEXT", nullable: true),
                    ResourceKey = table.Column<long>(type: "INTEGER", nullable: false),
                    ResourceType = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ParamName = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_search_composite", x => x.Id);
                    table.ForeignKey(
                        name: "FK_search_composite_resources_ResourceKey",
                        column: x => x.ResourceKey,
                        principalTable: "resources",
                        principalColumn: "Key",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_search_composite_ResourceKey_ParamName",
                table: "search_composite",
                columns: new[] { "ResourceKey", "ParamName" });

            migrationBuilder.CreateIndex(
                name: "IX_search_composite_ResourceType_ParamName_Code_System",
                table: "search_composite",
                columns: new[] { "ResourceType", "ParamName", "Code", "System" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "search_composite");
        }
    }
}
