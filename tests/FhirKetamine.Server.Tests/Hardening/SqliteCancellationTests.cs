using FhirKetamine.Core.Storage;
using FhirKetamine.Storage.Sqlite;

using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace FhirKetamine.Server.Tests.Hardening;

/// <summary>
/// The SQLite provider as the server configures it: cancelling a query's token stops a statement that is still
/// inside SQLite (which Microsoft.Data.Sqlite alone would run to its end), so a timed-out search frees its connection.
/// </summary>
public sealed class SqliteCancellationTests
{
    [Fact]
    public async Task Cancelling_stops_a_statement_that_is_still_running()
    {
        var path = Path.Combine(Path.GetTempPath(), "fhirketamine-tests", Guid.NewGuid().ToString("N"), "cancel.db");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var options = new DbContextOptionsBuilder<FhirDbContext>();
        SqliteStorage.Configure(options, $"Data Source={path}");
        await using var db = new FhirDbContext(options.Options);
        using var cancel = new CancellationTokenSource();
        await db.Database.OpenConnectionAsync();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ((SqliteConnection)db.Database.GetDbConnection()).CreateFunction("started", (long x) =>
        {
            started.TrySetResult();
            return x;
        });

        // Counting two billion generated rows is one long step inside SQLite: no row comes back until it ends.
        var query = db.Database.SqlQueryRaw<long>(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT started(x) + 1 FROM c WHERE x < 2000000000) SELECT count(*) AS \"Value\" FROM c");
        var running = Task.Run(() => query.ToListAsync(cancel.Token));
        await started.Task;
        await cancel.CancelAsync();

        var error = await Assert.ThrowsAsync<SqliteException>(() => running);

        Assert.Equal(9, error.SqliteErrorCode); // SQLITE_INTERRUPT
    }
}
