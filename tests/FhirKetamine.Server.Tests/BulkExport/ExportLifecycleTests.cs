// Firely's model is nullable-annotated throughout; in these tests a missing element is a failed assertion
// (a NullReferenceException names it), not something to guard against.
#nullable disable warnings

using System.Net;

using FhirKetamine.Core.Export;
using FhirKetamine.Core.Storage;

using Hl7.Fhir.Model;

using Microsoft.Extensions.DependencyInjection;

namespace FhirKetamine.Server.Tests.BulkExport;

/// <summary>An export job's life outside the happy path: cancelled, interrupted by a restart, expired.</summary>
public sealed class ExportLifecycleTests
{
    /// <summary>Slows a job down so that it is still running when the test acts: one resource a page, a pause after each.</summary>
    private static void Slow(Dictionary<string, string?> settings)
    {
        settings["Export:PageSize"] = "1";
        settings["Export:PauseBetweenPagesMs"] = "150";
    }

    private static async Task<List<string>> ObservationsAsync(HttpClient client, int count)
    {
        var patient = await client.CreateAsync(Fhir.Patient());
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            ids.Add((await client.CreateAsync(Fhir.HeartRate(patient.Id, "2026-03-01T10:00:00Z", 60 + i))).Id);
        }

        return ids;
    }

    /// <summary>Polls until X-Progress says resources were written (the job is running, mid-way).</summary>
    private static async Task WaitUntilWritingAsync(HttpClient client, string status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var response = await client.GetAsync(status);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            var progress = response.Headers.GetValues("X-Progress").Single();
            if (progress.Contains("resources written", StringComparison.Ordinal) && !progress.Contains(": 0 resources", StringComparison.Ordinal))
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the job never started writing: {progress}");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Delete_on_the_status_url_cancels_the_job_and_removes_its_files()
    {
        await using var server = ExportClient.NewServer(settings: s => Slow(s));
        var client = server.CreateFhirClient();
        await ObservationsAsync(client, 30);
        var status = await client.KickOffAsync("$export?_type=Observation");
        await WaitUntilWritingAsync(client, status);
        var folder = Path.Combine(server.Settings["Export:Directory"], ExportClient.JobId(status));
        Assert.True(Directory.Exists(folder));

        using var cancel = await client.DeleteAsync(status);

        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(status)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync(status)).StatusCode);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Directory.Exists(folder))
        {
            Assert.True(DateTime.UtcNow < deadline, "the cancelled job's files are still there");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task A_job_interrupted_by_a_restart_is_redone_and_completes_with_a_full_manifest()
    {
        var database = TestDatabase.Create();
        var folder = ExportClient.ExportFolder();
        List<string> ids;
        string status;
        await using (var first = ExportClient.NewServer(database, s => { Slow(s); s["Export:Directory"] = folder; }))
        {
            var client = first.CreateFhirClient();
            ids = await ObservationsAsync(client, 20);
            status = await client.KickOffAsync("$export?_type=Observation");
            await WaitUntilWritingAsync(client, status);
        }

        // The host stopped mid-job: the job went back to the queue and nothing of the first attempt is served.
        await using var cleanup = new DatabaseOwner(database);
        await using var second = ExportClient.NewServer(database, s => s["Export:Directory"] = folder);
        var again = second.CreateFhirClient();
        var manifest = await again.WaitForManifestAsync(status);

        var output = manifest.Outputs()["Observation"];
        Assert.Equal(20, output.Count);
        Assert.Contains("/2/", Directory.GetFiles(Path.Combine(folder, ExportClient.JobId(status)), "*.ndjson", SearchOption.AllDirectories).Single(), StringComparison.Ordinal);
        Assert.Equal(ids.Order(), (await again.DownloadAsync<Observation>(output.Url)).Select(o => o.Id).Order());
    }

    [Fact]
    public async Task A_job_whose_worker_died_is_taken_over_when_its_lease_runs_out_and_redone_from_scratch()
    {
        await using var server = ExportClient.NewServer(settings: s => s["Export:PollSeconds"] = "1");
        var client = server.CreateFhirClient();
        var ids = await ObservationsAsync(client, 3);

        // As a worker killed mid-job leaves it: running, owned by a process that is gone, half a file on disk.
        var id = Guid.NewGuid().ToString("N");
        using (var scope = server.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<FhirDbContext>();
            var now = DateTime.UtcNow;
            db.ExportJobs.Add(new ExportJobRow
            {
                Id = id,
                Status = ExportStatus.Running,
                Level = ExportLevel.System,
                Types = "Observation",
                Request = "http://localhost/fhir/$export?_type=Observation",
                BaseUrl = "http://localhost/fhir",
                Scopes = "system/*.cruds",
                TransactionTime = now,
                SnapshotSequence = db.Versions.Max(v => v.Sequence),
                CreatedUtc = now,
                Attempt = 1,
                Owner = "a-killed-process",
                LeaseExpiresUtc = now.AddSeconds(2),
                Progress = "Observation: 1 resources written",
            });
            await db.SaveChangesAsync();
        }

        var stale = Directory.CreateDirectory(Path.Combine(server.Settings["Export:Directory"], id, "1")).FullName;
        await File.WriteAllTextAsync(Path.Combine(stale, "Observation.ndjson"), "{\"resourceType\":\"Observation\"");

        var manifest = await client.WaitForManifestAsync($"http://localhost/fhir/$export-status/{id}");

        var output = manifest.Outputs()["Observation"];
        Assert.Equal(3, output.Count);
        Assert.Contains($"{id}/Observation.ndjson", output.Url, StringComparison.Ordinal);
        Assert.False(Directory.Exists(stale), "the dead attempt's files are deleted");
        Assert.Equal(ids.Order(), (await client.DownloadAsync<Observation>(output.Url)).Select(o => o.Id).Order());
    }

    [Fact]
    public async Task Files_and_status_are_gone_after_the_retention_time()
    {
        await using var server = ExportClient.NewServer(settings: s =>
        {
            s["Export:RetentionHours"] = "0.0003"; // about one second
            s["Export:PollSeconds"] = "1";
        });
        var client = server.CreateFhirClient();
        await ObservationsAsync(client, 2);
        var status = await client.KickOffAsync("$export?_type=Observation");
        var url = (await client.WaitForManifestAsync(status)).Outputs()["Observation"].Url;
        var folder = Path.Combine(server.Settings["Export:Directory"], ExportClient.JobId(status));

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Directory.Exists(folder))
        {
            Assert.True(DateTime.UtcNow < deadline, "the expired job's files are still there");
            await Task.Delay(200);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(status)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(url)).StatusCode);
    }

    /// <summary>Drops a shared test database when the test ends (the servers on it do not own it).</summary>
    private sealed class DatabaseOwner(TestDatabase database) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await database.DropAsync();
    }
}