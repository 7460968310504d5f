// Firely's model is nullable-annotated throughout; in these tests a missing element is a failed assertion
// (a NullReferenceException names it), not something to guard against.
#nullable disable warnings

using System.Net;
using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Tests.Storage;

public sealed class RestartTests
{
    [Fact]
    public async Task Restart_keeps_every_acknowledged_write()
    {
        var database = TestDatabase.Create();
        Patient patient;
        Observation updated;
        string deletedId;
        var created = new List<string>();
        await using (var first = new FhirServerFactory(database) { OwnsDatabase = false })
        {
            var client = first.CreateFhirClient();
            patient = await client.CreateAsync(Fhir.Patient(mrn: Guid.NewGuid().ToString("N")));
            for (var i = 0; i < 20; i++)
            {
                created.Add((await client.CreateAsync(Fhir.HeartRate(patient.Id, "2026-03-01T10:00:00Z", 60 + i))).Id);
            }

            var obs = await (await client.GetAsync($"Observation/{created[0]}")).ReadAsync<Observation>();
            obs.Status = ObservationStatus.Amended;
            var put = await client.PutAsync($"Observation/{obs.Id}", Fhir.Json(obs));
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            updated = await put.ReadAsync<Observation>();
            deletedId = created[^1];
            Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"Observation/{deletedId}")).StatusCode);
        }

        await using var second = new FhirServerFactory(database);
        var again = second.CreateFhirClient();

        var readPatient = await again.GetAsync($"Patient/{patient.Id}");
        Assert.Equal(HttpStatusCode.OK, readPatient.StatusCode);
        foreach (var id in created[..^1])
        {
            Assert.Equal(HttpStatusCode.OK, (await again.GetAsync($"Observation/{id}")).StatusCode);
        }

        var readUpdated = await (await again.GetAsync($"Observation/{updated.Id}")).ReadAsync<Observation>();
        Assert.Equal("2", readUpdated.Meta.VersionId);
        Assert.Equal(ObservationStatus.Amended, readUpdated.Status);
        Assert.Equal(HttpStatusCode.Gone, (await again.GetAsync($"Observation/{deletedId}")).StatusCode);
        var search = await (await again.GetAsync($"Observation?patient={patient.Id}&_summary=count")).ReadAsync<Bundle>();
        Assert.Equal(19, search.Total);
    }
}
