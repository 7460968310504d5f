// Firely's model is nullable-annotated throughout; in these tests a missing element is a failed assertion
// (a NullReferenceException names it), not something to guard against.
#nullable disable warnings

using System.Net;
using FhirKetamine.Server.Tests.Search;
using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Tests.Bundles;

public sealed class TransactionTests(FhirServerFactory factory) : IClassFixture<FhirServerFactory>
{
    private const string MrnSystem = "urn:oid:1.2.36.146.595.217.0.1";

    private readonly HttpClient client = factory.CreateFhirClient();

    private static string NewUrn() => $"urn:uuid:{Guid.NewGuid()}";

    private static Bundle Transaction(params Bundle.EntryComponent[] entries)
    {
        var bundle = new Bundle { Type = Bundle.BundleType.Transaction };
        bundle.Entry.AddRange(entries);
        return bundle;
    }

    private static Bundle.EntryComponent Post(Resource resource, string? fullUrl = null, string? ifNoneExist = null) => new()
    {
        FullUrl = fullUrl,
        Resource = resource,
        Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = resource.TypeName, IfNoneExist = ifNoneExist },
    };

    private static Bundle.EntryComponent Put(Resource resource, string? ifMatch = null) => new()
    {
        FullUrl = $"http://localhost/fhir/{resource.TypeName}/{resource.Id}",
        Resource = resource,
        Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PUT, Url = $"{resource.TypeName}/{resource.Id}", IfMatch = ifMatch },
    };

    private static Bundle.EntryComponent Request(Bundle.HTTPVerb method, string url) => new()
    {
        Request = new Bundle.RequestComponent { Method = method, Url = url },
    };

    private Task<HttpResponseMessage> SendAsync(Bundle bundle) => client.PostAsync(string.Empty, Fhir.Json(bundle));

    private async Task<Bundle> CommitAsync(Bundle bundle)
    {
        var response = await SendAsync(bundle);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var result = await response.ReadAsync<Bundle>();
        Assert.Equal(Bundle.BundleType.TransactionResponse, result.Type);
        Assert.Equal(bundle.Entry.Count, result.Entry.Count);
        return result;
    }

    private async Task<List<string>> PatientsWithMrnAsync(string mrn) =>
        (await client.GetBundleAsync($"Patient?identifier={Uri.EscapeDataString($"{MrnSystem}|{mrn}")}")).MatchIds();

    private static string IdOf(Bundle.EntryComponent entry)
    {
        // Location is {base}/{type}/{id}/_history/{vid}
        var segments = new Uri(entry.Response.Location).AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return segments[^3];
    }

    [Fact]
    public async Task Transaction_with_urn_uuid_fullUrls_rewrites_references_to_the_created_patient()
    {
        var patientUrn = NewUrn();
        var mrn = Guid.NewGuid().ToString("N");
        var obs1 = Fhir.HeartRate("x", "2026-03-01T10:00:00Z", 70);
        var obs2 = Fhir.HeartRate("x", "2026-03-01T11:00:00Z", 72);
        obs1.Subject = new ResourceReference(patientUrn);
        obs2.Subject = new ResourceReference(patientUrn);

        var result = await CommitAsync(Transaction(Post(obs1, NewUrn()), Post(Fhir.Patient(mrn: mrn), patientUrn), Post(obs2, NewUrn())));

        Assert.All(result.Entry, e => Assert.StartsWith("201", e.Response.Status));
        Assert.All(result.Entry, e => Assert.NotNull(e.Response.Location));
        Assert.All(result.Entry, e => Assert.Equal("W/\"1\"", e.Response.Etag));
        var patientId = IdOf(result.Entry[1]);
        Assert.Equal([patientId], await PatientsWithMrnAsync(mrn));
        foreach (var entry in new[] { result.Entry[0], result.Entry[2] })
        {
            var read = await client.GetAsync($"Observation/{IdOf(entry)}");
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            Assert.Equal($"Patient/{patientId}", (await read.ReadAsync<Observation>()).Subject.Reference);
        }

        var byPatient = await client.GetBundleAsync($"Observation?patient={patientId}");
        Assert.Equal(new[] { IdOf(result.Entry[0]), IdOf(result.Entry[2]) }.Order(), byPatient.MatchIds().Order());
    }

    [Fact]
    public async Task Transaction_with_one_stale_IfMatch_stores_nothing_and_returns_412_naming_the_entry()
    {
        var existing = await client.CreateAsync(Fhir.Patient("Before"));
        existing.Name[0].Family = "Changed";
        (await client.PutAsync($"Patient/{existing.Id}", Fhir.Json(existing))).EnsureSuccessStatusCode(); // now v2
        var mrn = Guid.NewGuid().ToString("N");
        var patientUrn = NewUrn();
        var obs = Fhir.HeartRate("x", "2026-03-01T10:00:00Z", 70);
        obs.Subject = new ResourceReference(patientUrn);
        existing.Name[0].Family = "Stale write";

        var response = await SendAsync(Transaction(
            Post(Fhir.Patient(mrn: mrn), patientUrn),
            Post(obs, NewUrn()),
            Put(existing, ifMatch: "W/\"1\"")));

        Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
        var outcome = await response.ReadAsync<OperationOutcome>();
        Assert.Contains(outcome.Issue, i => i.Diagnostics?.Contains("Bundle.entry[2]") == true);
        Assert.Empty(await PatientsWithMrnAsync(mrn));
        var current = await (await client.GetAsync($"Patient/{existing.Id}")).ReadAsync<Patient>();
        Assert.Equal("2", current.Meta.VersionId);
        Assert.Equal("Changed", current.Name[0].Family);
    }

    [Fact]
    public async Task Transaction_with_an_entry_of_the_wrong_type_stores_nothing_and_names_the_entry()
    {
        var mrn = Guid.NewGuid().ToString("N");
        var wrong = new Bundle.EntryComponent
        {
            FullUrl = NewUrn(),
            Resource = Fhir.Patient(mrn: mrn),
            Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "Observation" },
        };

        var response = await SendAsync(Transaction(Post(Fhir.Patient(mrn: mrn), NewUrn()), wrong));

        Assert.True((int)response.StatusCode is >= 400 and < 500, $"got {(int)response.StatusCode}");
        var outcome = await response.ReadAsync<OperationOutcome>();
        Assert.Contains(outcome.Issue, i => i.Diagnostics?.Contains("Bundle.entry[1]") == true);
        Assert.Empty(await PatientsWithMrnAsync(mrn));
    }

    [Fact]
    public async Task Transaction_failing_on_a_later_update_rolls_back_earlier_updates_and_deletes()
    {
        var updated = await client.CreateAsync(Fhir.Patient("Original"));
        var deleted = await client.CreateAsync(Fhir.Patient("ToDelete"));
        updated.Name[0].Family = "InTransaction";
        var missing = Fhir.Patient();
        missing.Id = Guid.NewGuid().ToString("N");

        var response = await SendAsync(Transaction(
            Put(updated),
            Request(Bundle.HTTPVerb.DELETE, $"Patient/{deleted.Id}"),
            Put(missing, ifMatch: "W/\"1\""))); // If-Match on a resource that does not exist

        Assert.True((int)response.StatusCode is 409 or 412, $"got {(int)response.StatusCode}");
        await response.ReadAsync<OperationOutcome>();
        var afterUpdate = await (await client.GetAsync($"Patient/{updated.Id}")).ReadAsync<Patient>();
        Assert.Equal("Original", afterUpdate.Name[0].Family);
        Assert.Equal("1", afterUpdate.Meta.VersionId);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"Patient/{deleted.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"Patient/{missing.Id}")).StatusCode);
    }

    [Fact]
    public async Task Transaction_with_an_unresolvable_urn_reference_stores_nothing()
    {
        var mrn = Guid.NewGuid().ToString("N");
        var obs = Fhir.HeartRate("x", "2026-03-01T10:00:00Z", 70);
        obs.Subject = new ResourceReference(NewUrn());

        var response = await SendAsync(Transaction(Post(Fhir.Patient(mrn: mrn), NewUrn()), Post(obs, NewUrn())));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await response.ReadAsync<OperationOutcome>();
        Assert.Empty(await PatientsWithMrnAsync(mrn));
    }

    [Fact]
    public async Task Transaction_processes_deletes_then_creates_then_updates_then_reads_and_answers_in_entry_order()
    {
        var mrn = Guid.NewGuid().ToString("N");
        var old = await client.CreateAsync(Fhir.Patient("Old", mrn));
        var kept = await client.CreateAsync(Fhir.Patient("Kept"));
        kept.Name[0].Family = "KeptUpdated";

        // Listed in the reverse of the processing order: the search and the read must see every write.
        var result = await CommitAsync(Transaction(
            Request(Bundle.HTTPVerb.GET, $"Patient?identifier={Uri.EscapeDataString($"{MrnSystem}|{mrn}")}"),
            Request(Bundle.HTTPVerb.GET, $"Patient/{kept.Id}"),
            Put(kept),
            Post(Fhir.Patient("New", mrn), NewUrn()),
            Request(Bundle.HTTPVerb.DELETE, $"Patient/{old.Id}")));

        Assert.StartsWith("200", result.Entry[0].Response.Status);
        Assert.StartsWith("200", result.Entry[1].Response.Status);
        Assert.StartsWith("200", result.Entry[2].Response.Status);
        Assert.StartsWith("201", result.Entry[3].Response.Status);
        Assert.StartsWith("204", result.Entry[4].Response.Status);
        var found = Assert.IsType<Bundle>(result.Entry[0].Resource);
        Assert.Equal([IdOf(result.Entry[3])], found.MatchIds());
        var read = Assert.IsType<Patient>(result.Entry[1].Resource);
        Assert.Equal("KeptUpdated", read.Name[0].Family);
        Assert.Equal(HttpStatusCode.Gone, (await client.GetAsync($"Patient/{old.Id}")).StatusCode);
    }

    [Fact]
    public async Task Conditional_create_in_a_transaction_reuses_the_existing_resource_for_references()
    {
        var mrn = Guid.NewGuid().ToString("N");
        var existing = await client.CreateAsync(Fhir.Patient(mrn: mrn));
        var patientUrn = NewUrn();
        var obs = Fhir.HeartRate("x", "2026-03-01T10:00:00Z", 70);
        obs.Subject = new ResourceReference(patientUrn);

        var result = await CommitAsync(Transaction(
            Post(Fhir.Patient(mrn: mrn), patientUrn, ifNoneExist: $"identifier={MrnSystem}|{mrn}"),
            Post(obs, NewUrn())));

        Assert.StartsWith("200", result.Entry[0].Response.Status);
        Assert.StartsWith("201", result.Entry[1].Response.Status);
        Assert.Equal([existing.Id], await PatientsWithMrnAsync(mrn));
        var stored = await (await client.GetAsync($"Observation/{IdOf(result.Entry[1])}")).ReadAsync<Observation>();
        Assert.Equal($"Patient/{existing.Id}", stored.Subject.Reference);
    }

    [Fact]
    public async Task Conditional_create_in_a_transaction_creates_when_nothing_matches()
    {
        var mrn = Guid.NewGuid().ToString("N");

        var result = await CommitAsync(Transaction(Post(Fhir.Patient(mrn: mrn), NewUrn(), ifNoneExist: $"identifier={MrnSystem}|{mrn}")));

        Assert.StartsWith("201", result.Entry[0].Response.Status);
        Assert.Equal([IdOf(result.Entry[0])], await PatientsWithMrnAsync(mrn));
    }

    [Fact]
    public async Task Conditional_reference_is_resolved_to_the_one_matching_patient()
    {
        var mrn = Guid.NewGuid().ToString("N");
        var patient = await client.CreateAsync(Fhir.Patient(mrn: mrn));
        var obs = Fhir.HeartRate("x", "2026-03-01T10:00:00Z", 70);
        obs.Subject = new ResourceReference($"Patient?identifier={MrnSystem}|{mrn}");

        var result = await CommitAsync(Transaction(Post(obs, NewUrn())));

        var stored = await (await client.GetAsync($"Observation/{IdOf(result.Entry[0])}")).ReadAsync<Observation>();
        Assert.Equal($"Patient/{patient.Id}", stored.Subject.Reference);
    }

    [Fact]
    public async Task Conditional_reference_matching_nothing_fails_the_transaction()
    {
        var mrn = Guid.NewGuid().ToString("N");
        var obs = Fhir.HeartRate("x", "2026-03-01T10:00:00Z", 70);
        obs.Subject = new ResourceReference($"Patient?identifier={MrnSystem}|{Guid.NewGuid():N}");

        var response = await SendAsync(Transaction(Post(Fhir.Patient(mrn: mrn), NewUrn()), Post(obs, NewUrn())));

        Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
        await response.ReadAsync<OperationOutcome>();
        Assert.Empty(await PatientsWithMrnAsync(mrn));
    }

    [Fact]
    public async Task Transaction_of_100_entries_commits_them_all()
    {
        var patientUrn = NewUrn();
        var mrn = Guid.NewGuid().ToString("N");
        var entries = new List<Bundle.EntryComponent> { Post(Fhir.Patient(mrn: mrn), patientUrn) };
        for (var i = 0; i < 99; i++)
        {
            var obs = Fhir.HeartRate("x", DateTime.UnixEpoch.AddYears(56).AddMinutes(i).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"), 60 + (i % 40), $"reading-{mrn}-{i}");
            obs.Subject = new ResourceReference(patientUrn);
            entries.Add(Post(obs, NewUrn()));
        }

        var result = await CommitAsync(Transaction([.. entries]));

        Assert.All(result.Entry, e => Assert.StartsWith("201", e.Response.Status));
        var patientId = IdOf(result.Entry[0]);
        var count = await client.GetBundleAsync($"Observation?patient={patientId}&_summary=count");
        Assert.Equal(99, count.Total);
        Assert.Equal(99, result.Entry.Skip(1).Select(IdOf).Distinct().Count());
    }

    /// <summary>
    /// New resources of one type are stored together (one SaveChanges for the run, their JSON, index rows and audit resources
    /// made on all cores): each must still come back exactly as a single create would leave it — its own id and version,
    /// the references rewritten, searchable, with its own Provenance and AuditEvent — and be answered in entry order.
    /// </summary>
    [Fact]
    public async Task New_resources_of_one_type_stored_together_are_each_answered_stored_indexed_and_audited()
    {
        var patientUrn = NewUrn();
        var mrn = Guid.NewGuid().ToString("N");
        var entries = new List<Bundle.EntryComponent> { Post(Fhir.Patient(mrn: mrn), patientUrn) };
        for (var i = 0; i < 6; i++)
        {
            var obs = Fhir.HeartRate("x", DateTime.UnixEpoch.AddYears(56).AddMinutes(i).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"), 60 + i, $"run-{mrn}-{i}");
            obs.Subject = new ResourceReference(patientUrn);
            entries.Add(Post(obs, NewUrn()));
        }

        var result = await CommitAsync(Transaction([.. entries]));

        var patientId = IdOf(result.Entry[0]);
        for (var i = 1; i < result.Entry.Count; i++)
        {
            var entry = result.Entry[i];
            Assert.Equal("201 Created", entry.Response.Status);
            Assert.Equal("W/\"1\"", entry.Response.Etag);
            var id = IdOf(entry);
            Assert.EndsWith($"/Observation/{id}/_history/1", entry.Response.Location, StringComparison.Ordinal);
            var stored = await (await client.GetAsync($"Observation/{id}")).ReadAsync<Observation>();
            Assert.Equal("1", stored.Meta.VersionId);
            Assert.Equal($"Patient/{patientId}", stored.Subject.Reference);
            Assert.Equal($"run-{mrn}-{i - 1}", stored.Identifier.Single().Value); // entry order kept
            Assert.Equal(60 + i - 1, ((Quantity)stored.Value).Value);
            Assert.Equal([id], (await client.GetBundleAsync($"Observation?identifier={Uri.EscapeDataString($"urn:gateway:chair-3|run-{mrn}-{i - 1}")}")).MatchIds());
            // One Provenance and one AuditEvent for all the transaction's creates (none performed by a device), naming each.
            var provenance = Assert.Single((await client.GetBundleAsync($"Provenance?target=Observation/{id}")).Entry);
            Assert.Contains($"Observation/{id}/_history/1", ((Provenance)provenance.Resource).Target.Select(t => t.Reference));
            Assert.Equal(result.Entry.Count, ((Provenance)provenance.Resource).Target.Count);
            Assert.Single((await client.GetBundleAsync($"AuditEvent?entity=Observation/{id}&action=C")).Entry);
        }

        var history = await client.GetBundleAsync($"Observation?patient={patientId}&_sort=date&_count=10");
        Assert.Equal(result.Entry.Skip(1).Select(IdOf), history.MatchIds());
    }
}
