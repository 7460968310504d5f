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
}
