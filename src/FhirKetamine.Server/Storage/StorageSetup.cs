using FhirKetamine.Core.Storage;
using FhirKetamine.Storage.Postgres;
using FhirKetamine.Storage.Sqlite;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FhirKetamine.Server.Storage;

/// <summary>Chooses the database provider from configuration and applies migrations at start-up.</summary>
public static partial class StorageSetup
{
    public static IServiceCollection AddFhirStorage(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.AddOptions<StorageOptions>().BindConfiguration("Storage").ValidateOnStart();
        services.AddOptions<GroupCommitOptions>().BindConfiguration("Storage:GroupCommit");
        var provider = configuration["Storage:Provider"] ?? "Sqlite";
        var connectionString = configuration.GetConnectionString("Fhir") ?? "Data Source=data/fhirketamine.db";
        var readOnly = configuration.GetConnectionString("FhirReadOnly") is { Length: > 0 } ? new DbContextOptionsBuilder<FhirDbContext>() : null;
        switch (provider)
        {
            case "Sqlite":
                var mmapBytes = Math.Max(0, configuration.GetValue("Storage:Sqlite:MmapSizeMb", SqliteStorage.DefaultMmapBytes >> 20)) << 20;
                var file = SqliteFile(connectionString, environment);
                var checkpointPages = SqliteStorage.OnCommitCheckpointPages;
                switch (configuration["Storage:Sqlite:Checkpoint"] ?? "Background")
                {
                    case "Background":
                        var interval = TimeSpan.FromMilliseconds(Math.Max(10, configuration.GetValue("Storage:Sqlite:CheckpointIntervalMs", 250)));
                        checkpointPages = SqliteStorage.BackstopCheckpointPages;
                        services.AddSingleton(sp => new SqliteCheckpointer(file, interval, sp.GetRequiredService<ILogger<SqliteCheckpointer>>()));
                        services.AddHostedService(sp => sp.GetRequiredService<SqliteCheckpointer>());
                        break;
                    case "OnCommit":
                        break;
                    default:
                        throw new InvalidOperationException(
                            $"Unknown Storage:Sqlite:Checkpoint '{configuration["Storage:Sqlite:Checkpoint"]}'; use Background or OnCommit.");
                }

                services.AddSqliteStorage(file, mmapBytes, checkpointPages);
                if (readOnly is not null)
                {
                    SqliteStorage.Configure(readOnly, SqliteFile(configuration.GetConnectionString("FhirReadOnly")!, environment), mmapBytes, checkpointPages);
                }

                break;
            case "Postgres":
                services.AddPostgresStorage(connectionString);
                if (readOnly is not null)
                {
                    PostgresStorage.Configure(readOnly, configuration.GetConnectionString("FhirReadOnly")!);
                }

                break;
            default:
                throw new InvalidOperationException($"Unknown Storage:Provider '{provider}'; use Sqlite or Postgres.");
        }

        // Searches and type/system history go to the read replica when one is configured (see ReadReplica).
        services.Replace(ServiceDescriptor.Singleton(new ReadReplicaOptions { Options = readOnly?.Options }));

        // The Data Protection key ring lives in the database too, so that every instance reads the cookies and
        // antiforgery tokens of the others (keys are stored unencrypted there: protect the database as a secret).
        services.AddDataProtection().SetApplicationName("FhirKetamine").PersistKeysToDbContext<FhirDbContext>();
        return services;
    }

    /// <summary>A relative SQLite file is relative to the content root, so the server runs from any working directory.</summary>
    private static string SqliteFile(string connectionString, IHostEnvironment environment)
    {
        var sqlite = new SqliteConnectionStringBuilder(connectionString);
        if (!Path.IsPathRooted(sqlite.DataSource) && sqlite.DataSource != ":memory:")
        {
            sqlite.DataSource = Path.Combine(environment.ContentRootPath, sqlite.DataSource);
        }

        return sqlite.ToString();
    }

    public static async Task MigrateFhirStorageAsync(this IServiceProvider services, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<FhirDbContext>();
        var logger = scope.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(StorageSetup));
        var pending = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
        if (pending.Count > 0)
        {
            // EF Core takes a database-wide migration lock, so instances starting together do not race.
            LogMigrating(logger, pending.Count, string.Join(", ", pending));
            await db.Database.MigrateAsync(ct);
        }

        // The ketamine IG ships in the build output; other packages (extracted folders) may be added with Packages:Folders.
        var loader = scope.ServiceProvider.GetRequiredService<FhirKetamine.Core.Packages.PackageLoader>();
        await loader.LoadAsync(Path.Combine(AppContext.BaseDirectory, "profiles", "package"), ct);
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Applying {Count} database migration(s): {Migrations}")]
    private static partial void LogMigrating(ILogger logger, int count, string migrations);
}
