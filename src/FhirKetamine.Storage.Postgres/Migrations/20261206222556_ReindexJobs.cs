using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FhirKetamine.Storage.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class ReindexJobs : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "reindex_jobs",
                columns: table => new
                {
                    Id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Scope = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    ActiveScope = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    Total = table.Column<long>(type: "bigint", nullable: false),
                    Done = table.Column<long>(type: "bigint", nullable: false),
                    LastKey = table.Column<long>(type: "bigint", nullable: false),
                    Attempt = table.Column<int>(type: "integer", nullable: false),
                    Owner = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    LeaseExpiresUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    ClientId = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    Error = table.Column<string>(type: "text", nullable: true),
                    CreatedUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    CompletedUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_reindex_jobs", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_reindex_jobs_ActiveScope",
                table: "reindex_jobs",
                column: "ActiveScope",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_reindex_jobs_Status_CreatedUtc",
                table: "reindex_jobs",
                columns: new[] { "Status", "CreatedUtc" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "reindex_jobs");
        }
    }
}
