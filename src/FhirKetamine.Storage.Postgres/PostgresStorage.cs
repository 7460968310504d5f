using FhirKetamine.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FhirKetamine.Storage.Postgres;

/// <summary>
/// PostgreSQL for sites that outgrow one machine: several stateless server instances share one database.
/// Commits are durable with PostgreSQL's defaults (fsync on, synchronous_commit on).
/// </summary>
public static class PostgresStorage
{
    public static IServiceCollection AddPostgresStorage(this IServiceCollection services, string connectionString)
    {
        services.AddDbContext<FhirDbContext>(options => Configure(options, connectionString));
        return services;
    }

    public static void Configure(DbContextOptionsBuilder options, string connectionString) =>
        options.UseNpgsql(connectionString, npgsql => npgsql.MigrationsAssembly(typeof(PostgresStorage).Assembly.GetName().Name));
}
