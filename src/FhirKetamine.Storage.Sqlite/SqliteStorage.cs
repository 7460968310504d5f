using FhirKetamine.Core.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FhirKetamine.Storage.Sqlite;

/// <summary>
/// The embedded default: one SQLite file in WAL mode with <c>synchronous=FULL</c>, so that a write the
/// server acknowledged survives a killed process or a power cut.
/// </summary>
public static class SqliteStorage
{
    /// <summary>The default of <c>Storage:Sqlite:MmapSizeMb</c>: how much of the database file reads may map (0: none).</summary>
    public const long DefaultMmapBytes = 1L << 30;

    /// <summary>SQLite's own <c>wal_autocheckpoint</c>: a commit that finds this many WAL pages checkpoints in its COMMIT.</summary>
    public const int OnCommitCheckpointPages = 1000;

    /// <summary>
    /// The <c>wal_autocheckpoint</c> of every connection when a background checkpointer copies the WAL into the database
    /// (<c>Storage:Sqlite:Checkpoint=Background</c>): high enough that commits never reach it while the checkpointer keeps
    /// up, so that no COMMIT waits for a checkpoint; if the checkpointer stops or falls behind, commits checkpoint again
    /// and the WAL stays bounded (~64 MB of 4 KB pages).
    /// </summary>
    public const int BackstopCheckpointPages = 16_384;

    public static IServiceCollection AddSqliteStorage(this IServiceCollection services, string connectionString, long mmapBytes = DefaultMmapBytes,
        int autoCheckpointPages = OnCommitCheckpointPages)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString)
        {
            Pooling = true,
            DefaultTimeout = 30,
        };
        if (Path.GetDirectoryName(Path.GetFullPath(builder.DataSource)) is { } folder)
        {
            Directory.CreateDirectory(folder);
        }

        services.AddDbContext<FhirDbContext>(options => Configure(options, builder.ToString(), mmapBytes, autoCheckpointPages));
        return services;
    }

    public static void Configure(DbContextOptionsBuilder options, string connectionString, long mmapBytes = DefaultMmapBytes,
        int autoCheckpointPages = OnCommitCheckpointPages) =>
        options.UseSqlite(connectionString, sqlite => sqlite.MigrationsAssembly(typeof(SqliteStorage).Assembly.GetName().Name))
            .AddInterceptors(new DurabilityInterceptor(mmapBytes, autoCheckpointPages), new InterruptOnCancelInterceptor());
}
