using Npgsql;

namespace FhirKetamine.Server.Tests;

/// <summary>
/// A fresh database for one server fixture: a SQLite file in a temporary folder, or, when the
/// environment variable <c>FHIRKETAMINE_TEST_POSTGRES</c> holds a PostgreSQL connection string (CI sets
/// it for a second run of the suite), a new PostgreSQL database that is dropped afterwards.
/// </summary>
public sealed class TestDatabase
{
    public const string PostgresVariable = "FHIRKETAMINE_TEST_POSTGRES";

    private TestDatabase(string provider, string connectionString)
    {
        Provider = provider;
        ConnectionString = connectionString;
    }

    /// <summary>Sqlite or Postgres.</summary>
    public string Provider { get; }

    public string ConnectionString { get; }

    public static string? PostgresServer => Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } cs ? cs : null;

    public static TestDatabase Create()
    {
        if (PostgresServer is { } server)
        {
            var builder = new NpgsqlConnectionStringBuilder(server) { Database = "fk_test_" + Guid.NewGuid().ToString("N") };
            return new TestDatabase("Postgres", builder.ToString());
        }

        return CreateSqlite();
    }

    /// <summary>A SQLite file whatever the run: for what only the SQLite provider does (its checkpoints, its pragmas).</summary>
    public static TestDatabase CreateSqlite()
    {
        var path = Path.Combine(Path.GetTempPath(), "fhirketamine-tests", Guid.NewGuid().ToString("N"), "fhir.db");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return new TestDatabase("Sqlite", $"Data Source={path}");
    }

    /// <summary>Drops a PostgreSQL test database (SQLite files stay in the temp folder).</summary>
    public async Task DropAsync()
    {
        if (Provider != "Postgres")
        {
            return;
        }

        var builder = new NpgsqlConnectionStringBuilder(ConnectionString);
        var name = builder.Database;
        builder.Database = "postgres";
        builder.Pooling = false;
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(builder.ToString());
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)";
        await command.ExecuteNonQueryAsync();
    }
}
