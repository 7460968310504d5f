using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace FhirKetamine.Storage.Postgres.Migrations
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
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    System = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    Code = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    QuantitySystem = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    QuantityCode = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Value = table.Column<double>(type: "double precision", nullable: false),
                    ResourceKey = table.Column<long>(type: "bigint", nullable: false),
                    ResourceType = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    ParamName = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false)
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
                name: "IX_search_token_quantity_ResourceType_ParamName_Code_System_Va~",
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
