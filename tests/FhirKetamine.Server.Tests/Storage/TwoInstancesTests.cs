using System.Net;
using System.Net.Http.Headers;
using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Tests.Storage;

/// <summary>
/// Two server instances on one database (PostgreSQL in the CI run that sets FHIRKETAMINE_TEST_POSTGRES,
/// a shared SQLite file otherwise): nothing that must be shared may live in one process's memory.
/// </summary>
public sealed class TwoInstancesTests : IAsyncLifetime
{
    private readonly FhirServerFactory _first = new();
    private FhirServerFactory _second = null!;

    public Task InitializeAsync()
    {
        _ = _first.CreateClient(); // the first instance migrates the database
        _second = new FhirServerFactory(_first.Database) { OwnsDatabase = false };
        _second.Settings["Validation:ConformanceRefreshSeconds"] = "0.3";
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _second.DisposeAsync();
        await _first.DisposeAsync();
    }

    [Fact]
    public async Task A_write_on_one_instance_is_read_and_found_on_the_other()
    {
        var mrn = Guid.NewGuid().ToString("N")[..12];
        var created = await _first.CreateFhirClient().CreateAsync(Fhir.Patient("Adeyemi", mrn));
        var other = _second.CreateFhirClient();

        var read = await other.GetAsync($"Patient/{created.Id}");
        var found = await (await other.GetAsync($"Patient?identifier={mrn}")).ReadAsync<Bundle>();

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(1, found.Total);
    }

    [Fact]
    public async Task An_IfMatch_race_across_instances_has_exactly_one_winner()
    {
        var created = await _first.CreateFhirClient().CreateAsync(Fhir.Patient("Lindqvist"));
        var clients = new[] { _first.CreateFhirClient(), _second.CreateFhirClient(), _first.CreateFhirClient(), _second.CreateFhirClient() };

        var results = await Task.WhenAll(clients.Select(async (client, i) =>
        {
            var body = Fhir.Patient($"Lindqvist-{i}");
            body.Id = created.Id;
            var request = new HttpRequestMessage(HttpMethod.Put, $"Patient/{created.Id}") { Content = Fhir.Json(body) };
            request.Headers.IfMatch.Add(new EntityTagHeaderValue("\"1\"", isWeak: true));
            return (await client.SendAsync(request)).StatusCode;
        }));

        Assert.Single(results, s => s == HttpStatusCode.OK);
        Assert.All(results.Where(s => s != HttpStatusCode.OK), s => Assert.Contains(s, new[] { HttpStatusCode.PreconditionFailed, HttpStatusCode.Conflict }));
        var final = await (await _second.CreateFhirClient().GetAsync($"Patient/{created.Id}")).ReadAsync<Patient>();
        Assert.Equal("2", final.Meta?.VersionId);
    }

    [Fact]
    public async Task A_profile_posted_to_one_instance_is_enforced_by_the_other_and_its_deletion_too()
    {
        var id = "two-instances-" + Guid.NewGuid().ToString("N")[..8];
        var url = $"http://example.org/fhir/StructureDefinition/{id}";
        var patient = Fhir.Patient("Okafor");
        patient.Meta = new Meta { Profile = [url] };
        var other = _second.CreateFhirClient();
        var unknownBefore = await other.PostAsync("Patient", Fhir.Json(patient));

        var stored = await _first.CreateFhirClient().PutAsync($"StructureDefinition/{id}", Fhir.Json(Fhir.PatientProfileRequiringAddress(id, url)));
        var enforced = await EventuallyAsync(other, patient, o => o.Issue.Any(i => (i.Details?.Text ?? "").Contains("'address'", StringComparison.Ordinal)));
        var deleted = await _first.CreateFhirClient().DeleteAsync($"StructureDefinition/{id}");
        var unknownAgain = await EventuallyAsync(other, patient, o => o.Issue.Any(i => (i.Diagnostics ?? "").Contains(url, StringComparison.Ordinal)));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, unknownBefore.StatusCode);
        Assert.Equal(HttpStatusCode.Created, stored.StatusCode);
        Assert.True(enforced, "the second instance never enforced the profile posted to the first");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.True(unknownAgain, "the second instance kept a profile deleted through the first");
    }

    /// <summary>Polls the other instance's <c>$validate</c> (the refresh runs every 0.3 s there) for up to 30 s.</summary>
    private static async Task<bool> EventuallyAsync(HttpClient client, Patient patient, Func<OperationOutcome, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        do
        {
            var outcome = await (await client.PostAsync("Patient/$validate", Fhir.Json(patient))).ReadAsync<OperationOutcome>();
            if (done(outcome))
            {
                return true;
            }

            await Task.Delay(200);
        }
        while (DateTime.UtcNow < deadline);
        return false;
    }
}
