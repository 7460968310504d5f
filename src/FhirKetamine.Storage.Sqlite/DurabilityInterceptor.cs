using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace FhirKetamine.Storage.Sqlite;

/// <summary>
/// Every connection the server opens runs with <c>synchronous=FULL</c> (WAL is fsynced at each commit),
/// so an acknowledged write is on disk; and with foreign keys enforced. Reads go through a memory map of the
/// database file (<c>mmap_size</c>): every pooled connection then shares the operating system's page cache
/// instead of re-reading pages into its own 2 MB cache, which a patient's few thousand vitals overflow
/// (bench/README.md, <c>$ketamine-progress</c>). Pages written since the last checkpoint are read from the WAL as usual.
/// <para>
/// <c>case_sensitive_like</c>: SQLite can answer <c>LIKE 'abc%'</c> (EF Core's <c>StartsWith</c>) from an ordinary
/// index only when LIKE is case-sensitive. Every column a search matches by prefix is stored lower-cased and
/// accent-free (string values, token text) or is a URI (compared exactly, as the spec says), so nothing matches
/// differently; <c>Patient?name=</c> at 10,000 patients went from a scan of every name row (2–4 ms per statement) to
/// an index seek (0.1 ms), bench/README.md "Search at 1,000,000 Observations".
/// </para>
/// <para>
/// <c>wal_autocheckpoint</c>: how many WAL pages make a committing connection copy the WAL back into the database file
/// itself, inside its COMMIT. SQLite's 1,000 when nothing else checkpoints; a backstop of
/// <see cref="SqliteStorage.BackstopCheckpointPages"/> when the server's background checkpointer does it (see there).
/// </para>
/// </summary>
internal sealed class DurabilityInterceptor(long mmapBytes, int autoCheckpointPages) : DbConnectionInterceptor
{
    private readonly string _pragmas =
        $"PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000; PRAGMA mmap_size={mmapBytes}; PRAGMA case_sensitive_like=ON; PRAGMA wal_autocheckpoint={autoCheckpointPages};";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = _pragmas;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = _pragmas;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
