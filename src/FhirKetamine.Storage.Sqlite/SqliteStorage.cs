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
    public static IServiceCollection AddSqliteStorage(this IServiceCollection services, string connectionString)
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

        services.AddDbContext<FhirDbContext>(options => Configure(options, builder.ToString()));
        return services;
    }

    public static void Configure(DbContextOptionsBuilder options, string connectionString) =>
        options.UseSqlite(connectionString, sqlite => sqlite.MigrationsAssembly(typeof(SqliteStorage).Assembly.GetName().Name))
            .AddInterceptors(new DurabilityInterceptor(), new InterruptOnCancelInterceptor());

    /// <summary>Sets WAL once per file (it persists) and FULL sync on every connection (it does not).</summary>
    public static void EnableWal(string connectionString)
    {
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL;";
        command.ExecuteNonQuery();
    }
}
