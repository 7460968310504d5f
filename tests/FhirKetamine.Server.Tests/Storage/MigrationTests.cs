using FhirKetamine.Core.Storage;
using FhirKetamine.Storage.Postgres;
using FhirKetamine.Storage.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace FhirKetamine.Server.Tests.Storage;

/// <summary>
/// Each provider keeps its own migrations (EF Core's recommendation); a model change without a migration
/// for both would start fine on one database and fail on the other. No database is opened here.
/// </summary>
public sealed class MigrationTests
{
    [Fact]
    public void Sqlite_migrations_match_the_model()
    {
        var options = new DbContextOptionsBuilder<FhirDbContext>();
        SqliteStorage.Configure(options, "Data Source=:memory:");
        using var db = new FhirDbContext(options.Options);

        Assert.False(db.Database.HasPendingModelChanges(), "Add a migration: dotnet ef migrations add <Name> --project src/FhirKetamine.Storage.Sqlite");
    }

    [Fact]
    public void Postgres_migrations_match_the_model()
    {
        var options = new DbContextOptionsBuilder<FhirDbContext>();
        PostgresStorage.Configure(options, "Host=localhost;Database=unused");
        using var db = new FhirDbContext(options.Options);

        Assert.False(db.Database.HasPendingModelChanges(), "Add a migration: dotnet ef migrations add <Name> --project src/FhirKetamine.Storage.Postgres");
    }
}
