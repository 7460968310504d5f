using System.Globalization;
using System.Net;

using FhirKetamine.Core.Storage;
using FhirKetamine.Server.Storage;
using FhirKetamine.Storage.Sqlite;

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FhirKetamine.Server.Tests.Storage;

/// <summary>
/// Who copies SQLite's write-ahead log into the database file: by default the server's background checkpointer, so
/// that no request's COMMIT does it (the connections' own threshold is only a backstop); with
/// <c>Storage:Sqlite:Checkpoint=OnCommit</c> SQLite's default, a commit that finds 1,000 WAL pages.
/// </summary>
public sealed class SqliteCheckpointTests
{
    [Fact]
    public async Task By_default_the_background_checkpointer_copies_the_wal_and_commits_only_have_a_backstop()
    {
        await using var factory = new FhirServerFactory(TestDatabase.CreateSqlite());
        factory.Settings["Storage:Sqlite:CheckpointIntervalMs"] = "50";
        var client = factory.CreateFhirClient();
        var patient = await client.CreateAsync(Fhir.Patient(mrn: Guid.NewGuid().ToString("N")));
        for (var i = 0; i < 10; i++)
        {
            await client.CreateAsync(Fhir.HeartRate(patient.Id!, "2026-03-01T10:00:00Z", 60 + i));
        }

        var checkpointer = factory.Services.GetRequiredService<SqliteCheckpointer>();
        Assert.Equal(TimeSpan.FromMilliseconds(50), checkpointer.Interval);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (checkpointer.Checkpoints == 0 && waited.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(50);
        }

        Assert.True(checkpointer.Checkpoints > 0, "the background checkpointer copied nothing in 20 s");
        Assert.True(checkpointer.FramesCopied > 0);

        // Nothing written since: a pass finds every WAL frame already in the database file.
        var (log, checkpointed) = await checkpointer.CheckpointAsync(CancellationToken.None);
        Assert.Equal(log, checkpointed);

        using var scope = factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<FhirDbContext>();
        await db.Database.OpenConnectionAsync();
        Assert.Equal(SqliteStorage.BackstopCheckpointPages, await PragmaAsync(db, "PRAGMA wal_autocheckpoint;"));
        Assert.Equal(2, await PragmaAsync(db, "PRAGMA synchronous;")); // FULL: commits stay durable
    }

    [Fact]
    public async Task OnCommit_leaves_checkpoints_to_sqlite_and_runs_no_checkpointer()
    {
        await using var factory = new FhirServerFactory(TestDatabase.CreateSqlite());
        factory.Settings["Storage:Sqlite:Checkpoint"] = "OnCommit";
        var client = factory.CreateFhirClient();
        var patient = await client.CreateAsync(Fhir.Patient(mrn: Guid.NewGuid().ToString("N")));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"Patient/{patient.Id}")).StatusCode);

        Assert.Null(factory.Services.GetService<SqliteCheckpointer>());
        using var scope = factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<FhirDbContext>();
        await db.Database.OpenConnectionAsync();
        Assert.Equal(SqliteStorage.OnCommitCheckpointPages, await PragmaAsync(db, "PRAGMA wal_autocheckpoint;"));
    }

    [Fact]
    public async Task An_unknown_checkpoint_mode_stops_the_server_at_start_naming_the_setting()
    {
        await using var factory = new FhirServerFactory(TestDatabase.CreateSqlite());
        factory.Settings["Storage:Sqlite:Checkpoint"] = "Sometimes";

        var error = Assert.Throws<InvalidOperationException>(() => factory.CreateClient());
        Assert.Contains("Storage:Sqlite:Checkpoint", error.Message, StringComparison.Ordinal);
    }

    private static async Task<long> PragmaAsync(FhirDbContext db, string pragma)
    {
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = pragma;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }
}
