using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FhirKetamine.Storage.Sqlite.Migrations
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
                    Id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Scope = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ActiveScope = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    Total = table.Column<long>(type: "INTEGER", nullable: false),
                    Done = table.Column<long>(type: "INTEGER", nullable: false),
                    LastKey = table.Column<long>(type: "INTEGER", nullable: false),
                    Attempt = table.Column<int>(type: "INTEGER", nullable: false),
                    Owner = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    LeaseExpiresUtc = table.Column<DateTime>(type: "TEXT", nullable: true),
                    ClientId = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    Error = table.Column<string>(type: "TEXT", nullable: true),
                    CreatedUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    CompletedUtc = table.Column<DateTime>(type: "TEXT", nullable: true)
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
