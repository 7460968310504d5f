using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace FhirKetamine.Storage.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class InitialSchema : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "resources",
                columns: table => new
                {
                    Key = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Type = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    LogicalId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    VersionId = table.Column<int>(type: "integer", nullable: false),
                    LastUpdated = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    IsDeleted = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_resources", x => x.Key);
                });

            migrationBuilder.CreateTable(
                name: "resource_versions",
                columns: table => new
                {
                    Sequence = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    ResourceKey = table.Column<long>(type: "bigint", nullable: false),
                    Type = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    LogicalId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    VersionId = table.Column<int>(type: "integer", nullable: false),
                    LastUpdated = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    IsDeleted = table.Column<bool>(type: "boolean", nullable: false),
                    Method = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: false),
                    Json = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_resource_versions", x => x.Sequence);
                    table.ForeignKey(
                        name: "FK_resource_versions_resources_ResourceKey",
                        column: x => x.ResourceKey,
                        principalTable: "resources",
                        principalColumn: "Key",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "search_date",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Start = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    End = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    ResourceKey = table.Column<long>(type: "bigint", nullable: false),
                    ResourceType = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    ParamName = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_search_date", x => x.Id);
                    table.ForeignKey(
                        name: "FK_search_date_resources_ResourceKey",
                        column: x => x.ResourceKey,
                        principalTable: "resources",
                        principalColumn: "Key",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "search_number",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Value = table.Column<double>(type: "double precision", nullable: false),
                    Low = table.Column<double>(type: "double precision", nullable: false),
                    High = table.Column<double>(type: "double precision", nullable: false),
                    ResourceKey = table.Column<long>(type: "bigint", nullable: false),
                    ResourceType = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    ParamName = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_search_number", x => x.Id);
                    table.ForeignKey(
                        name: "FK_search_number_resources_ResourceKey",
                        column: x => x.ResourceKey,
                        principalTable: "resources",
                        principalColumn: "Key",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "search_quantity",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    System = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    Code = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Value = table.Column<double>(type: "double precision", nullable: false),
                    Low = table.Column<double>(type: "double precision", nullable: false),
                    High = table.Column<double>(type: "double precision", nullable: false),
                    ResourceKey = table.Column<long>(type: "bigint", nullable: false),
                    ResourceType = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    ParamName = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_search_quantity", x => x.Id);
                    table.ForeignKey(
                        name: "FK_search_quantity_resources_ResourceKey",
                        column: x => x.ResourceKey,
                        principalTable: "resources",
                        principalColumn: "Key",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "search_reference",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    TargetType = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    TargetId = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: false),
                    ResourceKey = table.Column<long>(type: "bigint", nullable: false),
                    ResourceType = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    ParamName = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_search_reference", x => x.Id);
                    table.ForeignKey(
                        name: "FK_search_reference_resources_ResourceKey",
                        column: x => x.ResourceKey,
                        principalTable: "resources",
                        principalColumn: "Key",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "search_string",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Normalized = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    Exact = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    ResourceKey = table.Column<long>(type: "bigint", nullable: false),
                    ResourceType = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    ParamName = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_search_string", x => x.Id);
                    table.ForeignKey(
                        name: "FK_search_string_resources_ResourceKey",
                        column: x => x.ResourceKey,
                        principalTable: "resources",
                        principalColumn: "Key",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "search_token",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    System = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    Code = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    Text = table.Column<string>(type: "text", nullable: true),
                    ResourceKey = table.Column<long>(type: "bigint", nullable: false),
                    ResourceType = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    ParamName = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_search_token", x => x.Id);
                    table.ForeignKey(
                        name: "FK_search_token_resources_ResourceKey",
                        column: x => x.ResourceKey,
                        principalTable: "resources",
                        principalColumn: "Key",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "search_uri",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Uri = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: false),
                    ResourceKey = table.Column<long>(type: "bigint", nullable: false),
                    ResourceType = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    ParamName = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_search_uri", x => x.Id);
                    table.ForeignKey(
                        name: "FK_search_uri_resources_ResourceKey",
                        column: x => x.ResourceKey,
                        principalTable: "resources",
                        principalColumn: "Key",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_resource_versions_LastUpdated",
                table: "resource_versions",
                column: "LastUpdated");

            migrationBuilder.CreateIndex(
                name: "IX_resource_versions_ResourceKey_VersionId",
                table: "resource_versions",
                columns: new[] { "ResourceKey", "VersionId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_resource_versions_Type_Sequence",
                table: "resource_versions",
                columns: new[] { "Type", "Sequence" });

            migrationBuilder.CreateIndex(
                name: "IX_resources_Type_LastUpdated",
                table: "resources",
                columns: new[] { "Type", "LastUpdated" });

            migrationBuilder.CreateIndex(
                name: "IX_resources_Type_LogicalId",
                table: "resources",
                columns: new[] { "Type", "LogicalId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_search_date_ResourceKey_ParamName",
                table: "search_date",
                columns: new[] { "ResourceKey", "ParamName" });

            migrationBuilder.CreateIndex(
                name: "IX_search_date_ResourceType_ParamName_End",
                table: "search_date",
                columns: new[] { "ResourceType", "ParamName", "End" });

            migrationBuilder.CreateIndex(
                name: "IX_search_date_ResourceType_ParamName_Start",
                table: "search_date",
                columns: new[] { "ResourceType", "ParamName", "Start" });

            migrationBuilder.CreateIndex(
                name: "IX_search_number_ResourceKey_ParamName",
                table: "search_number",
                columns: new[] { "ResourceKey", "ParamName" });

            migrationBuilder.CreateIndex(
                name: "IX_search_number_ResourceType_ParamName_Value",
                table: "search_number",
                columns: new[] { "ResourceType", "ParamName", "Value" });

            migrationBuilder.CreateIndex(
                name: "IX_search_quantity_ResourceKey_ParamName",
                table: "search_quantity",
                columns: new[] { "ResourceKey", "ParamName" });

            migrationBuilder.CreateIndex(
                name: "IX_search_quantity_ResourceType_ParamName_Code_Value",
                table: "search_quantity",
                columns: new[] { "ResourceType", "ParamName", "Code", "Value" });

            migrationBuilder.CreateIndex(
                name: "IX_search_reference_ResourceKey_ParamName",
                table: "search_reference",
                columns: new[] { "ResourceKey", "ParamName" });

            migrationBuilder.CreateIndex(
                name: "IX_search_reference_ResourceType_ParamName_TargetId_TargetType",
                table: "search_reference",
                columns: new[] { "ResourceType", "ParamName", "TargetId", "TargetType" });

            migrationBuilder.CreateIndex(
                name: "IX_search_string_ResourceKey_ParamName",
                table: "search_string",
                columns: new[] { "ResourceKey", "ParamName" });

            migrationBuilder.CreateIndex(
                name: "IX_search_string_ResourceType_ParamName_Normalized",
                table: "search_string",
                columns: new[] { "ResourceType", "ParamName", "Normalized" });

            migrationBuilder.CreateIndex(
                name: "IX_search_token_ResourceKey_ParamName",
                table: "search_token",
                columns: new[] { "ResourceKey", "ParamName" });

            migrationBuilder.CreateIndex(
                name: "IX_search_token_ResourceType_ParamName_Code_System",
                table: "search_token",
                columns: new[] { "ResourceType", "ParamName", "Code", "System" });

            migrationBuilder.CreateIndex(
                name: "IX_search_uri_ResourceKey_ParamName",
                table: "search_uri",
                columns: new[] { "ResourceKey", "ParamName" });

            migrationBuilder.CreateIndex(
                name: "IX_search_uri_ResourceType_ParamName_Uri",
                table: "search_uri",
                columns: new[] { "ResourceType", "ParamName", "Uri" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "resource_versions");

            migrationBuilder.DropTable(
                name: "search_date");

            migrationBuilder.DropTable(
                name: "search_number");

            migrationBuilder.DropTable(
                name: "search_quantity");

            migrationBuilder.DropTable(
                name: "search_reference");

            migrationBuilder.DropTable(
                name: "search_string");

            migrationBuilder.DropTable(
                name: "search_token");

            migrationBuilder.DropTable(
                name: "search_uri");

            migrationBuilder.DropTable(
                name: "resources");
        }
    }
}
