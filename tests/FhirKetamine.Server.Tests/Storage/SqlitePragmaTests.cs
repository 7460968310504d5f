using FhirKetamine.Core.Storage;
using FhirKetamine.Storage.Sqlite;

using Microsoft.EntityFrameworkCore;

namespace FhirKetamine.Server.Tests.Storage;

/// <summary>What every SQLite connection the server opens runs with: durable commits, foreign keys, and memory-mapped reads.</summary>
public sealed class SqlitePragmaTests
{
    [Theory]
    [InlineData(SqliteStorage.DefaultMmapBytes)]
    [InlineData(64L << 20)]
    [InlineData(0L)]
    public async Task Each_connection_is_durable_and_maps_the_configured_size(long mmapBytes)
    {
        var path = Path.Combine(Path.GetTempPath(), "fhirketamine-tests", Guid.NewGuid().ToString("N"), "pragmas.db");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var options = new DbContextOptionsBuilder<FhirDbContext>();
        SqliteStorage.Configure(options, $"Data Source={path}", mmapBytes);
        await using var db = new FhirDbContext(options.Options);
        await db.Database.OpenConnectionAsync();

        Assert.Equal(mmapBytes, await PragmaAsync(db, "PRAGMA mmap_size;"));
        Assert.Equal(2, await PragmaAsync(db, "PRAGMA synchronous;")); // FULL
        Assert.Equal(1, await PragmaAsync(db, "PRAGMA foreign_keys;"));
    }

    [Fact]
    public async Task A_prefix_string_search_seeks_the_index_instead_of_scanning_every_value()
    {
        // case_sensitive_like cannot be read back; what it is for can: the plan of the default string match.
        var path = Path.Combine(Path.GetTempPath(), "fhirketamine-tests", Guid.NewGuid().ToString("N"), "like.db");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var options = new DbContextOptionsBuilder<FhirDbContext>();
        SqliteStorage.Configure(options, $"Data Source={path}", SqliteStorage.DefaultMmapBytes);
        await using var db = new FhirDbContext(options.Options);
        await db.Database.MigrateAsync();
        await db.Database.OpenConnectionAsync();
        var prefix = "riv";
        var sql = db.StringIndex.Where(s => s.ResourceType == "Patient" && s.ParamName == "name" && s.Normalized.StartsWith(prefix))
            .Select(s => s.ResourceKey).ToQueryString();

        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql[(sql.IndexOf("SELECT", StringComparison.Ordinal))..];
        var parameter = command.CreateParameter();
        parameter.ParameterName = sql[(sql.IndexOf("@", StringComparison.Ordinal))..].Split(' ', ';', '\n', '\r')[0];
        parameter.Value = "riv%";
        command.Parameters.Add(parameter);
        var plan = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(3));
            }
        }

        Assert.Contains(plan, step => step.Contains("Normalized>?", StringComparison.Ordinal) && step.Contains("INDEX", StringComparison.Ordinal));
    }

    private static async Task<long> PragmaAsync(FhirDbContext db, string pragma)
    {
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = pragma;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
