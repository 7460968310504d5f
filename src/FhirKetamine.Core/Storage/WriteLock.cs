using Microsoft.EntityFrameworkCore;

namespace FhirKetamine.Core.Storage;

/// <summary>
/// Serialises the write transactions that decide from what they read (conditional creates in a group
/// commit or a transaction Bundle) across every server instance on one database, so two instances
/// cannot both find "no match" and both create. SQLite needs nothing: its write transaction
/// (<c>BEGIN IMMEDIATE</c>) already excludes every other writer. PostgreSQL: a transaction-scoped
/// advisory lock, released by the commit or rollback.
/// </summary>
public static class WriteLock
{
    /// <summary>An arbitrary, fixed advisory-lock key ("FhirKetamine writes").</summary>
    private const long PostgresKey = 0x46_68_69_72_4B_57;

    public static async Task AcquireAsync(FhirDbContext db, CancellationToken ct)
    {
        if (db.Database.ProviderName == "Npgsql.EntityFrameworkCore.PostgreSQL")
        {
            await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_xact_lock({PostgresKey})", ct);
        }
    }
}
