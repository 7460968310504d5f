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
