// Firely's model is nullable-annotated throughout; in these tests a missing element is a failed assertion
// (a NullReferenceException names it), not something to guard against.
#nullable disable warnings

using System.Collections.Concurrent;
using System.Net;
using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Tests.Storage;

public sealed class KillTests
{
    [Fact]
    public async Task Process_killed_mid_write_loses_no_acknowledged_write()
    {
        var folder = Path.Combine(Path.GetTempPath(), "fhirketamine-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var acknowledged = new ConcurrentBag<string>();
        string patientId;

        using (var server = await ServerProcess.StartAsync(folder, TimeSpan.FromSeconds(180)))
        {
            using var setup = server.CreateFhirClient();
            patientId = (await setup.CreateAsync(Fhir.Patient())).Id;
            using var stop = new CancellationTokenSource();

            var writers = Enumerable.Range(0, 6).Select(w => Task.Run(async () =>
            {
                using var client = server.CreateFhirClient();
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    try
                    {
                        var obs = Fhir.HeartRate(patientId, "2026-03-01T10:00:00Z", 60 + (i % 60), $"w{w}-{i}");
                        var response = await client.PostAsync("Observation", Fhir.Json(obs), CancellationToken.None);
                        if (response.StatusCode == HttpStatusCode.Created)
                        {
                            // Acknowledged only once the whole response has arrived.
                            var created = await response.ReadAsync<Observation>();
                            acknowledged.Add(created.Id);
                        }
                    }
                    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException or InvalidOperationException)
                    {
                        return; // the server is gone
                    }
                }
            })).ToList();

            // Kill once writes flow (a loaded machine may take a while to get there), while the writers keep sending.
            var flowing = DateTime.UtcNow.AddSeconds(60);
            while (acknowledged.Count < 20 && DateTime.UtcNow < flowing)
            {
                await Task.Delay(100);
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
            var beforeKill = acknowledged.Count;
            server.Kill(); // SIGKILL while the writers are still sending
            stop.Cancel();
            await Task.WhenAll(writers);
            Assert.True(beforeKill > 10, $"only {beforeKill} writes were acknowledged before the kill: {server.Output}");
        }

        using var restarted = await ServerProcess.StartAsync(folder, TimeSpan.FromSeconds(180));
        using var reader = restarted.CreateFhirClient();
        var lost = new List<string>();
        foreach (var id in acknowledged)
        {
            var response = await reader.GetAsync($"Observation/{id}");
            if (response.StatusCode != HttpStatusCode.OK)
            {
                lost.Add($"{id}: {(int)response.StatusCode}");
            }
        }

        Assert.Empty(lost);
        var count = await (await reader.GetAsync($"Observation?patient={patientId}&_summary=count")).ReadAsync<Bundle>();
        Assert.True(count.Total >= acknowledged.Count, $"search finds {count.Total}, {acknowledged.Count} were acknowledged");
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync($"Patient/{patientId}")).StatusCode);
    }
}
