// Firely's model is nullable-annotated throughout; in these tests a missing element is a failed assertion
// (a NullReferenceException names it), not something to guard against.
#nullable disable warnings

using System.Net;
using System.Text;

using FhirKetamine.Server.Tests.Search;

using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Tests.Audit;

/// <summary>
/// An AuditEvent for every access to data (read, search, create, refused with 401 or 403, not found), stored
/// before the response; none for the CapabilityStatement; searchable by patient, date, agent and entity by
/// callers with AuditEvent read scopes; never writable through the API.
/// </summary>
public sealed class AuditEventTests(AuditServer server) : IClassFixture<AuditServer>
{
    private const string Interactions = "http://hl7.org/fhir/restful-interaction";

    [Fact]
    public async Task A_read_is_audited_with_the_client_the_resource_and_its_patient()
    {
        var ehr = await server.EhrAsync();
        var patient = await ehr.CreateAsync(Fhir.Patient("Audited"));
        var observation = await ehr.CreateAsync(Fhir.HeartRate(patient.Id, "2026-11-25T10:00:00Z", 80));

        (await ehr.GetAsync($"Observation/{observation.Id}")).EnsureSuccessStatusCode();

        var read = Assert.Single(await AuditsAsync($"entity=Observation/{observation.Id}&subtype={Interactions}|read"));
        Assert.Equal(AuditEvent.AuditEventAction.R, read.Action);
        Assert.Equal(AuditEvent.AuditEventOutcome.N0, read.Outcome);
        Assert.Contains(read.Entity, e => e.What?.Reference == $"Observation/{observation.Id}/_history/1");
        Assert.Contains(read.Entity, e => e.What?.Reference == $"Patient/{patient.Id}" && e.Role.Code == "1");
        var client = Assert.Single(read.Agent, a => a.Who?.Identifier?.Value == "ehr");
        Assert.Equal("http://fhir-ketamine.org/fhir/sid/smart-client-id", client.Who.Identifier.System);
        Assert.True(client.Requestor);
        Assert.Contains(read.Agent, a => a.Type.Coding[0].Code == "110152" && a.Requestor == false);
        Assert.True(read.Recorded > DateTimeOffset.UtcNow.AddMinutes(-5));

        // Searchable by the patient and the date.
        var byPatient = await AuditsAsync($"patient={patient.Id}&date=ge{DateTime.UtcNow.AddHours(-1):yyyy-MM-ddTHH:mm:ss}Z");
        Assert.Contains(byPatient, a => a.Id == read.Id);
    }

    [Fact]
    public async Task A_search_is_audited_with_its_query_and_patient()
    {
        var ehr = await server.EhrAsync();
        var patient = await ehr.CreateAsync(Fhir.Patient("Searched"));

        (await ehr.GetAsync($"Observation?patient={patient.Id}&code=http://loinc.org|8867-4")).EnsureSuccessStatusCode();

        var search = Assert.Single(await AuditsAsync($"patient={patient.Id}&subtype={Interactions}|search-type"));
        Assert.Equal(AuditEvent.AuditEventAction.E, search.Action);
        var query = Assert.Single(search.Entity, e => e.Role?.Code == "24");
        Assert.Equal($"Observation?patient={patient.Id}&code=http://loinc.org|8867-4", Encoding.UTF8.GetString(query.Query));
    }

    [Fact]
    public async Task A_create_is_audited_once_in_its_transaction()
    {
        var ehr = await server.EhrAsync();

        var patient = await ehr.CreateAsync(Fhir.Patient("Created"));

        var create = Assert.Single(await AuditsAsync($"entity=Patient/{patient.Id}"));
        Assert.Equal("create", create.Subtype[0].Code);
        Assert.Equal(AuditEvent.AuditEventAction.C, create.Action);
        Assert.Contains(create.Entity, e => e.What?.Reference == $"Patient/{patient.Id}/_history/1");
    }

    [Fact]
    public async Task An_operation_is_audited_and_everything_leaves_the_audit_trail_out_unless_asked()
    {
        var ehr = await server.EhrAsync();
        var patient = await ehr.CreateAsync(Fhir.Patient("Everything"));
        await ehr.CreateAsync(Fhir.HeartRate(patient.Id, "2026-11-25T12:00:00Z", 75));

        var everything = await ehr.GetBundleAsync($"Patient/{patient.Id}/$everything");
        var provenances = await ehr.GetBundleAsync($"Patient/{patient.Id}/$everything?_type=Provenance");

        Assert.Equal(["Observation", "Patient"], everything.Entry.Select(e => e.Resource.TypeName).Distinct().Order());
        Assert.Equal($"Patient/{patient.Id}/_history/1", ((Provenance)Assert.Single(provenances.Entry).Resource).Target[0].Reference);
        var operations = await AuditsAsync($"patient={patient.Id}&subtype={Interactions}|operation");
        Assert.Equal(2, operations.Count);
        Assert.Contains(operations, a => Encoding.UTF8.GetString(a.Entity.Single(e => e.Role?.Code == "24").Query) == $"Patient/{patient.Id}/$everything");
    }

    [Fact]
    public async Task A_request_without_a_valid_token_is_audited_as_a_failure_with_its_address()
    {
        var anonymous = server.Factory.CreateFhirClient();
        var forged = server.Factory.CreateFhirClient("not-a-token");
        var id = Guid.NewGuid().ToString();

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"Patient/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await forged.GetAsync($"Patient/{id}")).StatusCode);

        var refused = await AuditsAsync($"entity=Patient/{id}");
        Assert.Equal(2, refused.Count);
        Assert.All(refused, a =>
        {
            Assert.Equal(AuditEvent.AuditEventOutcome.N4, a.Outcome);
            Assert.StartsWith("HTTP 401", a.OutcomeDesc, StringComparison.Ordinal);
            Assert.Null(a.Agent[0].Who.Identifier);
        });
    }

    [Fact]
    public async Task A_refused_and_a_missing_read_are_audited_as_failures()
    {
        var gateway = await server.GatewayAsync(); // system/Observation.c system/Device.c: may not read
        var ehr = await server.EhrAsync();
        var patient = await ehr.CreateAsync(Fhir.Patient("Refused"));
        var missing = Guid.NewGuid().ToString();

        Assert.Equal(HttpStatusCode.Forbidden, (await gateway.GetAsync($"Patient/{patient.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await ehr.GetAsync($"Patient/{missing}")).StatusCode);

        var forbidden = Assert.Single(await AuditsAsync($"entity=Patient/{patient.Id}&outcome=4"));
        Assert.Equal("read", forbidden.Subtype[0].Code);
        Assert.StartsWith("The access token does not grant", forbidden.OutcomeDesc, StringComparison.Ordinal);
        Assert.Equal("gateway", forbidden.Agent[0].Who.Identifier.Value);
        var notFound = Assert.Single(await AuditsAsync($"entity=Patient/{missing}"));
        Assert.Equal(AuditEvent.AuditEventOutcome.N4, notFound.Outcome);
    }

    [Fact]
    public async Task The_capability_statement_and_discovery_are_not_audited()
    {
        var anonymous = server.Factory.CreateFhirClient();
        var auditor = await server.AuditorAsync();
        var before = await CountAsync(auditor);

        (await anonymous.GetAsync("metadata")).EnsureSuccessStatusCode();
        (await anonymous.GetAsync(".well-known/smart-configuration")).EnsureSuccessStatusCode();
        (await anonymous.GetAsync("/health/live")).EnsureSuccessStatusCode();

        // The two counting searches are audited themselves; nothing else was.
        Assert.Equal(before + 1, await CountAsync(auditor));
    }

    [Theory]
    [InlineData("POST", "AuditEvent")]
    [InlineData("PUT", "AuditEvent/{id}")]
    [InlineData("DELETE", "AuditEvent/{id}")]
    [InlineData("PATCH", "AuditEvent/{id}")]
    [InlineData("DELETE", "AuditEvent?outcome=0")]
    public async Task AuditEvents_cannot_be_written_or_deleted(string method, string path)
    {
        var ehr = await server.EhrAsync(); // system/*.cruds
        var patient = await ehr.CreateAsync(Fhir.Patient("Untouchable"));
        var audit = Assert.Single(await AuditsAsync($"entity=Patient/{patient.Id}"));
        audit.OutcomeDesc = "rewritten";
        var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("{id}", audit.Id, StringComparison.Ordinal));
        if (method is "POST" or "PUT")
        {
            request.Content = Fhir.Json(audit);
        }
        else if (method == "PATCH")
        {
            request.Content = new StringContent("""[{"op":"replace","path":"/outcomeDesc","value":"rewritten"}]""", Encoding.UTF8, "application/json-patch+json");
        }

        var response = await ehr.SendAsync(request);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.NotEmpty((await response.ReadAsync<OperationOutcome>()).Issue);
        var stored = await (await (await server.AuditorAsync()).GetAsync($"AuditEvent/{audit.Id}")).ReadAsync<AuditEvent>();
        Assert.Equal("1", stored.Meta.VersionId);
        Assert.NotEqual("rewritten", stored.OutcomeDesc);
    }

    [Fact]
    public async Task An_AuditEvent_in_a_transaction_fails_the_transaction()
    {
        var ehr = await server.EhrAsync();
        var transaction = new Bundle { Type = Bundle.BundleType.Transaction };
        transaction.Entry.Add(new Bundle.EntryComponent
        {
            Resource = Fhir.Patient("InForgedTransaction"),
            Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "Patient" },
        });
        transaction.Entry.Add(new Bundle.EntryComponent
        {
            Resource = new AuditEvent
            {
                Type = new Coding("http://terminology.hl7.org/CodeSystem/audit-event-type", "rest"),
                Recorded = DateTimeOffset.UtcNow,
                Agent = [new AuditEvent.AgentComponent { Who = new ResourceReference("Practitioner/someone-else"), Requestor = true }],
                Source = new AuditEvent.SourceComponent { Observer = new ResourceReference { Display = "forger" } },
            },
            Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "AuditEvent" },
        });

        var response = await ehr.PostAsync(string.Empty, Fhir.Json(transaction));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Empty(await AuditsAsync("agent=Practitioner/someone-else"));
    }

    [Fact]
    public async Task Reading_AuditEvents_needs_user_or_system_scopes()
    {
        var ehr = await server.EhrAsync();
        var patient = await ehr.CreateAsync(Fhir.Patient("Private"));
        var patientScoped = await server.PatientScopedAsync();
        var gateway = await server.GatewayAsync();

        foreach (var path in new[] { $"AuditEvent?patient={patient.Id}", "AuditEvent", $"Patient?_id={patient.Id}&_revinclude=AuditEvent:patient", $"Observation?patient={patient.Id}&_revinclude=*" })
        {
            var response = await patientScoped.GetAsync(path);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.DoesNotContain("\"AuditEvent\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.Forbidden, (await gateway.GetAsync("AuditEvent")).StatusCode);
        Assert.NotEmpty(await AuditsAsync($"patient={patient.Id}"));
        Assert.NotEmpty((await ehr.GetBundleAsync($"AuditEvent?patient={patient.Id}")).Entry); // system/*.cruds covers AuditEvent
    }

    [Fact]
    public async Task Searching_AuditEvents_is_audited_once_without_recursion()
    {
        var auditor = await server.AuditorAsync();
        var marker = Guid.NewGuid().ToString("N");

        (await auditor.GetAsync($"AuditEvent?entity=Patient/{marker}")).EnsureSuccessStatusCode();
        (await auditor.GetAsync($"AuditEvent?entity=Patient/{marker}")).EnsureSuccessStatusCode();

        var audits = await AuditsAsync($"patient={marker}");
        Assert.Empty(audits); // `entity=` names no patient of the caller: the audit of the search holds the query instead
        var searches = (await auditor.GetBundleAsync($"AuditEvent?agent-name=auditor&subtype={Interactions}|search-type&_count=200")).Entry
            .Select(e => (AuditEvent)e.Resource)
            .Where(a => a.Entity.Any(e => e.Query is not null && Encoding.UTF8.GetString(e.Query) == $"AuditEvent?entity=Patient/{marker}"))
            .ToList();
        Assert.Equal(2, searches.Count);
    }

    private async Task<List<AuditEvent>> AuditsAsync(string query)
    {
        var auditor = await server.AuditorAsync();
        var bundle = await auditor.GetBundleAsync($"AuditEvent?{query}&_count=200");
        return bundle.Entry.Select(e => e.Resource).OfType<AuditEvent>().ToList();
    }

    private static async Task<int> CountAsync(HttpClient auditor) =>
        (await auditor.GetBundleAsync("AuditEvent?_summary=count")).Total ?? 0;
}
