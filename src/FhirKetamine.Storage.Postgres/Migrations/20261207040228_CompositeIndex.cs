using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace FhirKetamine.Storage.Postgres.Migrations
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
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    System = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    Code = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    ValueSystem = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    ValueCode = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    ValueText = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    Start = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    End = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    ResourceKey = table.Column<long>(type: "bigint", nullable: false),
                    ResourceType = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    ParamName = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false)
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
