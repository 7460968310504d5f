using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace FhirKetamine.Storage.Sqlite;

/// <summary>
/// Every connection the server opens runs with <c>synchronous=FULL</c> (WAL is fsynced at each commit),
/// so an acknowledged write is on disk; and with foreign keys enforced.
/// </summary>
internal sealed class DurabilityInterceptor : DbConnectionInterceptor
{
    private const string Pragmas = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
