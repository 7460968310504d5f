using Microsoft.Data.Sqlite;

namespace FhirKetamine.Server.Storage;

/// <summary>
/// Copies SQLite's write-ahead log back into the database file in the background (<c>PRAGMA wal_checkpoint(PASSIVE)</c>
/// every <see cref="Interval"/>), so that no request's COMMIT does it. With SQLite's default, the commit that finds
/// 1,000 pages in the WAL checkpoints inside its COMMIT: it writes every page changed since the last checkpoint to the
/// database file and fsyncs it before its request is answered. At a million resources a create changes leaf pages of
/// about ten B-trees (the resource, its version, the search-index tables and their indexes), so that was every tenth
/// create or so paying for the nine before it (bench/README.md, "Checkpoints off the commit path").
/// <para>
/// Durability does not change: a commit is durable once its WAL frames are fsynced (<c>synchronous=FULL</c>), before and
/// after this; a checkpoint only moves committed pages from the WAL to the database file, and one cut short by a crash
/// is redone from the WAL at the next open. PASSIVE never waits for readers or the writer: it copies what no open read
/// transaction still needs and leaves the rest for the next pass. If this falls behind (or stops), the connections'
/// backstop (<see cref="FhirKetamine.Storage.Sqlite.SqliteStorage.BackstopCheckpointPages"/>) makes commits checkpoint
/// again, so the WAL stays bounded.
/// </para>
/// </summary>
internal sealed partial class SqliteCheckpointer(string connectionString, TimeSpan interval, ILogger<SqliteCheckpointer> logger) : BackgroundService
{
    public TimeSpan Interval { get; } = interval;

    /// <summary>Passes that found WAL frames to copy, and the frames copied (for tests and logs).</summary>
    public long Checkpoints => Interlocked.Read(ref _checkpoints);

    public long FramesCopied => Interlocked.Read(ref _framesCopied);

    private long _checkpoints;
    private long _framesCopied;
    private long _lastCopied;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await CheckpointAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is SqliteException or InvalidOperationException)
            {
                LogFailed(logger, ex); // the next pass retries; commits checkpoint themselves past the backstop
            }
        }
    }

    /// <summary>One pass: copies what it can and returns the WAL's frames and how many of them are in the database file.</summary>
    internal async Task<(int LogFrames, int CheckpointedFrames)> CheckpointAsync(CancellationToken ct)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA synchronous=FULL; PRAGMA wal_checkpoint(PASSIVE);";
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return (0, 0);
        }

        // busy (1 when a concurrent checkpoint ran), frames in the WAL, frames now in the database file (-1, -1: not WAL)
        var log = reader.GetInt32(1);
        var checkpointed = reader.GetInt32(2);
        if (log > 0 && checkpointed > 0)
        {
            // The counts are of the WAL as it stands: frames copied on an earlier pass count again until the WAL restarts.
            var copied = checkpointed >= _lastCopied ? checkpointed - _lastCopied : checkpointed;
            _lastCopied = checkpointed;
            if (copied > 0)
            {
                Interlocked.Increment(ref _checkpoints);
                Interlocked.Add(ref _framesCopied, copied);
                LogCheckpointed(logger, copied, log);
            }
        }
        else
        {
            _lastCopied = 0;
        }

        return (log, checkpointed);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "SQLite checkpoint: {Copied} WAL frames copied into the database file ({Frames} in the WAL)")]
    private static partial void LogCheckpointed(ILogger logger, long copied, int frames);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SQLite background checkpoint failed; the next pass retries")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
