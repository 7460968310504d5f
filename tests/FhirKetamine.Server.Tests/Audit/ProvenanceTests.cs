// Firely's model is nullable-annotated throughout; in these tests a missing element is a failed assertion
// (a NullReferenceException names it), not something to guard against.
#nullable disable warnings

using System.Net;

using FhirKetamine.Server.Tests.Search;

using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Tests.Audit;

/// <summary>
/// A Provenance for every stored create, update and delete, written in the same transaction: the version it
/// targets, the activity, the client (and the user, and the measuring Device) as agents, and the request that
/// ties the entries of one Bundle together; found with <c>_revinclude=Provenance:target</c>; append-only.
/// </summary>
public sealed class ProvenanceTests(AuditServer server) : IClassFixture<AuditServer>
{
    private const string ClientIdSystem = "http://fhir-ketamine.org/fhir/sid/smart-client-id";
    private const string RequestIdSystem = "http://fhir-ketamine.org/fhir/sid/request-id";

    [Fact]
    public async Task Create_update_and_delete_each_leave_a_Provenance_of_their_version()
    {
        var ehr = await server.EhrAsync();
        var patient = await ehr.CreateAsync(Fhir.Patient("Provenanced"));
        patient.Gender = AdministrativeGender.Male;
        (await ehr.PutAsync($"Patient/{patient.Id}", Fhir.Json(patient))).EnsureSuccessStatusCode();
        (await ehr.DeleteAsync($"Patient/{patient.Id}")).EnsureSuccessStatusCode();

        var provenances = await ProvenancesAsync(ehr, $"Provenance?target=Patient/{patient.Id}");

        Assert.Equal(
            [($"Patient/{patient.Id}/_history/1", "CREATE"), ($"Patient/{patient.Id}/_history/2", "UPDATE"), ($"Patient/{patient.Id}/_history/3", "DELETE")],
            provenances.Select(p => (p.Target.Single().Reference, p.Activity.Coding.Single().Code)).Order().ToList());
        Assert.All(provenances, p =>
        {
            Assert.Equal("http://terminology.hl7.org/CodeSystem/v3-DataOperation", p.Activity.Coding[0].System);
            var client = Assert.Single(p.Agent);
            Assert.Equal("author", client.Type.Coding[0].Code);
            Assert.Equal(("Device", ClientIdSystem, "ehr"), (client.Who.Type, client.Who.Identifier.System, client.Who.Identifier.Value));
            Assert.NotNull(p.Recorded);
        });
        var update = provenances.Single(p => p.Activity.Coding[0].Code == "UPDATE");
        Assert.Contains(update.Entity, e => e.Role == Provenance.ProvenanceEntityRole.Revision && e.What.Reference == $"Patient/{patient.Id}/_history/1");
    }

    [Fact]
    public async Task Gateway_batch_entries_name_the_gateway_the_monitor_and_one_shared_request()
    {
        var ehr = await server.EhrAsync();
        var patient = await ehr.CreateAsync(Fhir.Patient("Monitored"));
        var gateway = await server.GatewayAsync();
        var batch = new Bundle { Type = Bundle.BundleType.Batch };
        foreach (var bpm in new[] { 71m, 72m })
        {
            var reading = Fhir.HeartRate(patient.Id, "2026-11-25T10:00:00Z", bpm);
            reading.Device = new ResourceReference("Device/monitor-7");
            batch.Entry.Add(new Bundle.EntryComponent { Resource = reading, Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "Observation" } });
        }

        var response = await (await gateway.PostAsync(string.Empty, Fhir.Json(batch))).ReadAsync<Bundle>();

        var ids = response.Entry.Select(e => e.Response.Location.Split('/')[^3]).ToList();
        Assert.Equal(2, ids.Count);
        var provenances = new List<Provenance>();
        foreach (var id in ids)
        {
            provenances.Add(Assert.Single(await ProvenancesAsync(ehr, $"Provenance?target=Observation/{id}")));
        }

        Assert.All(provenances, p =>
        {
            Assert.Contains(p.Agent, a => a.Who.Identifier?.Value == "gateway" && a.Type.Coding[0].Code == "author");
            Assert.Contains(p.Agent, a => a.Who.Reference == "Device/monitor-7" && a.Type.Coding[0].Code == "performer");
        });
        var requests = provenances.Select(p => p.Entity.Single(e => e.What.Identifier?.System == RequestIdSystem).What.Identifier.Value).Distinct().ToList();
        Assert.Single(requests);

        // The same request id is on the AuditEvents of both writes.
        var auditor = await server.AuditorAsync();
        var audits = (await auditor.GetBundleAsync($"AuditEvent?patient={patient.Id}&subtype=create&_count=100")).Entry.Select(e => (AuditEvent)e.Resource)
            .Where(a => a.Agent.Any(g => g.Who.Identifier?.Value == "gateway")).ToList();
        Assert.Equal(2, audits.Count);
        Assert.All(audits, a => Assert.Contains(a.Entity, e => e.What?.Identifier?.Value == requests[0]));
    }

    [Fact]
    public async Task A_transaction_is_accounted_for_once_per_kind_of_write_naming_every_version_and_patient()
    {
        var ehr = await server.EhrAsync();
        var existing = await ehr.CreateAsync(Fhir.Patient("Transacted-Existing"));
        existing.Gender = AdministrativeGender.Female;
        var transaction = new Bundle { Type = Bundle.BundleType.Transaction };
        var patientUrl = $"urn:uuid:{Guid.NewGuid()}";
        transaction.Entry.Add(new Bundle.EntryComponent
        {
            FullUrl = patientUrl, Resource = Fhir.Patient("Transacted-New"),
            Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "Patient" },
        });
        foreach (var (bpm, device) in new[] { (71m, "Device/monitor-7"), (72m, "Device/monitor-7"), (73m, "Device/monitor-8") })
        {
            var reading = Fhir.HeartRate("placeholder", "2026-11-25T10:00:00Z", bpm);
            reading.Subject = new ResourceReference(patientUrl);
            reading.Device = new ResourceReference(device);
            transaction.Entry.Add(new Bundle.EntryComponent { Resource = reading, Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "Observation" } });
        }

        var othersReading = Fhir.HeartRate(existing.Id, "2026-11-25T10:00:00Z", 80m);
        othersReading.Device = new ResourceReference("Device/monitor-7");
        transaction.Entry.Add(new Bundle.EntryComponent { Resource = othersReading, Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "Observation" } });
        transaction.Entry.Add(new Bundle.EntryComponent { Resource = existing, Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PUT, Url = $"Patient/{existing.Id}" } });

        var response = await ehr.PostAsync(string.Empty, Fhir.Json(transaction));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // Type/id/_history/v (the locations may be absolute)
        var versions = (await response.ReadAsync<Bundle>()).Entry.Select(e => string.Join('/', e.Response.Location.Split('/')[^4..])).ToList();
        var newPatient = versions[0].Split('/')[1];

        // Provenance: one per activity and performing device; together they name each written version once.
        var provenances = new List<Provenance>();
        foreach (var version in versions)
        {
            var id = string.Join('/', version.Split('/')[..2]);
            provenances.AddRange(await ProvenancesAsync(ehr, $"Provenance?target={id}&_count=100"));
        }

        provenances = provenances.DistinctBy(p => p.Id).Where(p => p.Target.Any(t => versions.Contains(t.Reference))).ToList();
        // The new Patient; monitor-7's two readings of it; monitor-8's; the other patient's reading (never in one record
        // with the first patient's, though the same monitor took it); the update.
        Assert.Equal(5, provenances.Count);
        Assert.Equal(versions.Order(), provenances.SelectMany(p => p.Target.Select(t => t.Reference)).Order());
        var monitor7 = provenances.Where(p => p.Agent.Any(a => a.Who.Reference == "Device/monitor-7")).OrderBy(p => p.Target.Count).ToList();
        Assert.Equal(
            [versions[4], string.Join(' ', new[] { versions[1], versions[2] }.Order(StringComparer.Ordinal))],
            monitor7.Select(p => string.Join(' ', p.Target.Select(t => t.Reference).Order(StringComparer.Ordinal))));
        Assert.All(monitor7, p => Assert.Equal("CREATE", p.Activity.Coding[0].Code));
        var update = Assert.Single(provenances, p => p.Activity.Coding[0].Code == "UPDATE");
        Assert.Equal($"Patient/{existing.Id}/_history/2", update.Target.Single().Reference);
        Assert.Contains(update.Entity, e => e.Role == Provenance.ProvenanceEntityRole.Revision && e.What.Reference == $"Patient/{existing.Id}/_history/1");
        Assert.Single(provenances.SelectMany(p => p.Entity).Where(e => e.What.Identifier?.System == RequestIdSystem).Select(e => e.What.Identifier.Value).Distinct());

        // AuditEvent: one for the four creates, one for the update, in the transaction; found by entity and by patient.
        var auditor = await server.AuditorAsync();
        var creates = (await auditor.GetBundleAsync($"AuditEvent?patient={newPatient}&subtype=create&_count=100")).Entry.Select(e => (AuditEvent)e.Resource).ToList();
        var created = Assert.Single(creates);
        Assert.Equal(versions.Take(4).Order(), created.Entity.Where(e => e.What?.Reference?.Contains("/_history/", StringComparison.Ordinal) == true).Select(e => e.What.Reference).Order());
        var updated = Assert.Single((await auditor.GetBundleAsync($"AuditEvent?entity=Patient/{existing.Id}&subtype=update&_count=100")).Entry);
        var othersCreate = Assert.Single((await auditor.GetBundleAsync($"AuditEvent?patient={existing.Id}&subtype=create&_count=100")).Entry
            .Select(e => (AuditEvent)e.Resource), a => a.Entity.Any(e => e.What?.Reference == versions[4]));
        Assert.DoesNotContain(othersCreate.Entity, e => e.What?.Reference?.StartsWith($"Patient/{newPatient}", StringComparison.Ordinal) == true);
        Assert.Contains(((AuditEvent)updated.Resource).Entity, e => e.What?.Reference == $"Patient/{existing.Id}/_history/2");
    }

    [Fact]
    public async Task A_clinicians_write_names_the_practitioner_as_author_and_the_app_as_enterer()
    {
        var clinician = await server.ClinicianAsync();

        var patient = await clinician.CreateAsync(Fhir.Patient("ByClinician"));

        var provenance = Assert.Single(await ProvenancesAsync(await server.EhrAsync(), $"Provenance?target=Patient/{patient.Id}"));
        Assert.Contains(provenance.Agent, a => a.Who.Reference == "Practitioner/dr-rivera" && a.Type.Coding[0].Code == "author");
        Assert.Contains(provenance.Agent, a => a.Who.Identifier?.Value == "app" && a.Type.Coding[0].Code == "enterer");
        var audit = Assert.Single((await (await server.AuditorAsync()).GetBundleAsync($"AuditEvent?agent=Practitioner/dr-rivera&entity=Patient/{patient.Id}")).Entry);
        Assert.Contains(((AuditEvent)audit.Resource).Agent, a => a.Who.Reference == "Practitioner/dr-rivera" && a.Requestor == true);
    }

    [Fact]
    public async Task Revinclude_of_Provenance_target_returns_the_provenance_with_the_resource()
    {
        var ehr = await server.EhrAsync();
        var patient = await ehr.CreateAsync(Fhir.Patient("Revincluded"));
        var observation = await ehr.CreateAsync(Fhir.HeartRate(patient.Id, "2026-11-25T11:00:00Z", 90));

        var bundle = await ehr.GetBundleAsync($"Observation?_id={observation.Id}&_revinclude=Provenance:target");

        Assert.Equal([observation.Id], bundle.MatchIds());
        var included = Assert.Single(bundle.Entry, e => e.Search?.Mode == Bundle.SearchEntryMode.Include);
        Assert.Equal($"Observation/{observation.Id}/_history/1", ((Provenance)included.Resource).Target[0].Reference);
    }

    [Fact]
    public async Task Everything_does_not_follow_a_left_out_Provenance_to_another_patient()
    {
        var ehr = await server.EhrAsync();
        var mine = await ehr.CreateAsync(Fhir.Patient("Everything-Mine"));
        var other = await ehr.CreateAsync(Fhir.Patient("Everything-Other"));
        // A client's own Provenance (an import's account) may name two patients' records.
        await ehr.CreateAsync(new Provenance
        {
            Target = [new ResourceReference($"Patient/{mine.Id}"), new ResourceReference($"Patient/{other.Id}")],
            Recorded = DateTimeOffset.UtcNow,
            Agent = [new Provenance.AgentComponent { Who = new ResourceReference { Display = "the import" } }],
        });

        var everything = await ehr.GetBundleAsync($"Patient/{mine.Id}/$everything");
        Assert.DoesNotContain(everything.Entry, e => e.Resource is Patient p && p.Id == other.Id);
        Assert.Contains(everything.Entry, e => e.Resource is Patient p && p.Id == mine.Id);

        // Asked for, the Provenance is returned (and what it points to is followed, as for any returned resource).
        var provenances = await ehr.GetBundleAsync($"Patient/{mine.Id}/$everything?_type=Provenance");
        Assert.Contains(provenances.Entry, e => e.Resource is Provenance p && p.Target.Count == 2);
    }

    [Fact]
    public async Task Provenance_is_append_only()
    {
        var ehr = await server.EhrAsync();
        var patient = await ehr.CreateAsync(Fhir.Patient("AppendOnly"));
        var provenance = Assert.Single(await ProvenancesAsync(ehr, $"Provenance?target=Patient/{patient.Id}"));
        provenance.Agent[0].Who = new ResourceReference("Practitioner/someone-else");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await ehr.PutAsync($"Provenance/{provenance.Id}", Fhir.Json(provenance))).StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await ehr.DeleteAsync($"Provenance/{provenance.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await ehr.DeleteAsync($"Provenance?target=Patient/{patient.Id}")).StatusCode);

        // A client's own Provenance is accepted, and the server's Provenance of that write names the real client.
        provenance.Id = null;
        var own = await ehr.CreateAsync(provenance);
        var recorded = Assert.Single(await ProvenancesAsync(ehr, $"Provenance?target=Provenance/{own.Id}"));
        Assert.Equal("ehr", recorded.Agent.Single().Who.Identifier.Value);
        Assert.Equal(2, (await ProvenancesAsync(ehr, $"Provenance?target=Patient/{patient.Id}")).Count);
    }

    private static async Task<List<Provenance>> ProvenancesAsync(HttpClient client, string url) =>
        (await client.GetBundleAsync(url)).Entry.Select(e => e.Resource).OfType<Provenance>().ToList();
}
