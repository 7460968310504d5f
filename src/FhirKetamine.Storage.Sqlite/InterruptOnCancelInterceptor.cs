using System.Data.Common;
using System.Runtime.CompilerServices;

using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace FhirKetamine.Storage.Sqlite;

/// <summary>
/// Makes a cancellation token stop a running SQLite statement. Microsoft.Data.Sqlite runs a statement on the
/// calling thread and looks at the token only between rows, so a query that sorts or counts a large table
/// would run to its end after a search timed out or its client left. While a command runs, its token calls
/// <c>sqlite3_interrupt</c> on the command's connection, whose statement then fails with SQLITE_INTERRUPT.
/// The connection belongs to this request until its reader is disposed, which is when the watch ends.
/// </summary>
internal sealed class InterruptOnCancelInterceptor : DbCommandInterceptor
{
    private static readonly ConditionalWeakTable<DbCommand, Watch> Watches = [];

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Start(command, cancellationToken);
        return ValueTask.FromResult(result);
    }

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        Start(command, cancellationToken);
        return ValueTask.FromResult(result);
    }

    public override ValueTask<object?> ScalarExecutedAsync(
        DbCommand command, CommandExecutedEventData eventData, object? result, CancellationToken cancellationToken = default)
    {
        Stop(command);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult DataReaderDisposing(DbCommand command, DataReaderDisposingEventData eventData, InterceptionResult result)
    {
        Stop(command);
        return result;
    }

    public override Task CommandFailedAsync(DbCommand command, CommandErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Stop(command);
        return Task.CompletedTask;
    }

    public override Task CommandCanceledAsync(DbCommand command, CommandEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Stop(command);
        return Task.CompletedTask;
    }

    private static void Start(DbCommand command, CancellationToken ct)
    {
        if (!ct.CanBeCanceled || command.Connection is not SqliteConnection connection)
        {
            return;
        }

        Stop(command);
        Watches.Add(command, new Watch(ct.Register(static state => Interrupt((SqliteConnection)state!), connection)));
    }

    private static void Stop(DbCommand command)
    {
        if (Watches.TryGetValue(command, out var watch))
        {
            Watches.Remove(command);
            watch.Registration.Dispose();
        }
    }

    private static void Interrupt(SqliteConnection connection)
    {
        if (connection.Handle is { } handle)
        {
            SQLitePCL.raw.sqlite3_interrupt(handle);
        }
    }

    private sealed record Watch(CancellationTokenRegistration Registration);
}
