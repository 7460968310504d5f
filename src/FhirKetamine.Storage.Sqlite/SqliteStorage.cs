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

    public static IServiceCollection AddSqliteStorage(this IServiceCollection services, string connectionString, long mmapBytes = DefaultMmapBytes)
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

        services.AddDbContext<FhirDbContext>(options => Configure(options, builder.ToString(), mmapBytes));
        return services;
    }

    public static void Configure(DbContextOptionsBuilder options, string connectionString, long mmapBytes = DefaultMmapBytes) =>
        options.UseSqlite(connectionString, sqlite => sqlite.MigrationsAssembly(typeof(SqliteStorage).Assembly.GetName().Name))
            .AddInterceptors(new DurabilityInterceptor(mmapBytes), new InterruptOnCancelInterceptor());
}
