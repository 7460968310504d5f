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

    private static async Task<long> PragmaAsync(FhirDbContext db, string pragma)
    {
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = pragma;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
