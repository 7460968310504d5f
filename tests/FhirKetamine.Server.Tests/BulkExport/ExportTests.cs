// Firely's model is nullable-annotated throughout; in these tests a missing element is a failed assertion
// (a NullReferenceException names it), not something to guard against.
#nullable disable warnings

using System.Net;

using Hl7.Fhir.Model;

using static FhirKetamine.Server.Tests.Search.SearchBundles;

namespace FhirKetamine.Server.Tests.BulkExport;

/// <summary>Bulk Data $export through HTTP: each test has its own server and database, so the counts are exact.</summary>
public sealed class ExportTests
{
    private static Observation RespiratoryRate(string patientId, string effective)
    {
        var obs = Fhir.HeartRate(patientId, effective, 16);
        obs.Code = new CodeableConcept("http://loinc.org", "9279-1", "Respiratory rate");
        return obs;
    }

    [Fact]
    public async Task System_export_round_trip_writes_every_resource_once_as_valid_ndjson()
    {
        await using var server = ExportClient.NewServer();
        var client = server.CreateFhirClient();
        var patients = new[] { await client.CreateAsync(Fhir.Patient("Okafor")), await client.CreateAsync(Fhir.Patient("Rivera")) };
        var observations = new List<Observation>();
        for (var i = 0; i < 5; i++)
        {
            observations.Add(await client.CreateAsync(Fhir.HeartRate(patients[i % 2].Id, $"2026-03-0{i + 1}T10:00:00Z", 60 + i)));
        }

        var updated = observations[0];
        updated.Status = ObservationStatus.Amended;
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync($"Observation/{updated.Id}", Fhir.Json(updated))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"Observation/{observations[4].Id}")).StatusCode);

        var status = await client.KickOffAsync("$export?_outputFormat=application/fhir%2Bndjson");
        var manifest = await client.WaitForManifestAsync(status);

        Assert.True(manifest.GetProperty("requiresAccessToken").GetBoolean());
        Assert.EndsWith("/fhir/$export?_outputFormat=application/fhir%2Bndjson", manifest.GetProperty("request").GetString(), StringComparison.Ordinal);
        Assert.True(DateTimeOffset.TryParse(manifest.GetProperty("transactionTime").GetString(), out _));
        Assert.Empty(manifest.GetProperty("error").EnumerateArray());
        var outputs = manifest.Outputs();
        Assert.Equal(2, outputs["Patient"].Count);
        Assert.Equal(4, outputs["Observation"].Count);

        var exportedPatients = await client.DownloadAsync<Patient>(outputs["Patient"].Url);
        var exportedObservations = await client.DownloadAsync<Observation>(outputs["Observation"].Url);
        Assert.Equal(patients.Select(p => p.Id).Order(), exportedPatients.Select(p => p.Id).Order());
        Assert.Equal(observations.Take(4).Select(o => o.Id).Order(), exportedObservations.Select(o => o.Id).Order());
        Assert.Equal(ObservationStatus.Amended, exportedObservations.Single(o => o.Id == updated.Id).Status);
        Assert.Equal("2", exportedObservations.Single(o => o.Id == updated.Id).Meta.VersionId);
        await client.AssertValidAsync(exportedPatients.Concat<Resource>(exportedObservations));

        // Every other type in the database (the IG's conformance resources) is exported too, one valid line per resource.
        foreach (var (type, (url, count)) in outputs)
        {
            var lines = await client.DownloadAnyAsync(url);
            Assert.Equal(count, lines.Count);
            Assert.All(lines, r => Assert.Equal(type, r.TypeName));
        }
    }

    [Fact]
    public async Task Type_limits_the_export_to_the_listed_types()
    {
        await using var server = ExportClient.NewServer();
        var client = server.CreateFhirClient();
        var patient = await client.CreateAsync(Fhir.Patient());
        await client.CreateAsync(Fhir.HeartRate(patient.Id, "2026-03-01T10:00:00Z", 70));
        await client.CreateAsync(Fhir.HeartRate(patient.Id, "2026-03-01T11:00:00Z", 71));

        var manifest = await client.WaitForManifestAsync(await client.KickOffAsync("$export?_type=Observation"));

        var outputs = manifest.Outputs();
        Assert.Equal(["Observation"], outputs.Keys);
        Assert.Equal(2, outputs["Observation"].Count);
        Assert.Equal(2, (await client.DownloadAsync<Observation>(outputs["Observation"].Url)).Count);
    }

    [Fact]
    public async Task Since_exports_only_what_changed_after_it()
    {
        await using var server = ExportClient.NewServer();
        var client = server.CreateFhirClient();
        var patient = await client.CreateAsync(Fhir.Patient());
        var before = await client.CreateAsync(Fhir.HeartRate(patient.Id, "2026-03-01T10:00:00Z", 70));
        await Task.Delay(50);
        var since = DateTimeOffset.UtcNow;
        await Task.Delay(50);
        var after = await client.CreateAsync(Fhir.HeartRate(patient.Id, "2026-03-01T11:00:00Z", 71));
        Assert.True(before.Meta.LastUpdated < since && after.Meta.LastUpdated > since);

        var manifest = await client.WaitForManifestAsync(await client.KickOffAsync($"$export?_type=Patient,Observation&_since={Q(since.ToString("o"))}"));

        var outputs = manifest.Outputs();
        Assert.Equal(["Observation"], outputs.Keys);
        Assert.Equal([after.Id], (await client.DownloadAsync<Observation>(outputs["Observation"].Url)).Select(o => o.Id));
    }

    [Fact]
    public async Task TypeFilter_runs_a_search_per_type_and_ors_filters_of_one_type()
    {
        await using var server = ExportClient.NewServer();
        var client = server.CreateFhirClient();
        var patient = await client.CreateAsync(Fhir.Patient("Okafor"));
        var other = await client.CreateAsync(Fhir.Patient("Rivera"));
        var heartRate = await client.CreateAsync(Fhir.HeartRate(patient.Id, "2026-03-01T10:00:00Z", 70));
        await client.CreateAsync(RespiratoryRate(patient.Id, "2026-03-01T10:00:00Z"));
        var othersRate = await client.CreateAsync(RespiratoryRate(other.Id, "2026-03-02T10:00:00Z"));

        var hr = Q("Observation?code=http://loinc.org|8867-4");
        var manifest = await client.WaitForManifestAsync(await client.KickOffAsync($"$export?_type=Observation,Patient&_typeFilter={hr}&_typeFilter={Q("Patient?family=okafor")}"));
        var outputs = manifest.Outputs();
        Assert.Equal([heartRate.Id], (await client.DownloadAsync<Observation>(outputs["Observation"].Url)).Select(o => o.Id));
        Assert.Equal([patient.Id], (await client.DownloadAsync<Patient>(outputs["Patient"].Url)).Select(p => p.Id));

        // Two filters of one type: either may match (comma-separated in one parameter).
        var either = Q($"Observation?code=http://loinc.org|8867-4,Observation?subject=Patient/{other.Id}");
        var manifest2 = await client.WaitForManifestAsync(await client.KickOffAsync($"$export?_type=Observation&_typeFilter={either}"));
        var ids = (await client.DownloadAsync<Observation>(manifest2.Outputs()["Observation"].Url)).Select(o => o.Id).Order();
        Assert.Equal(new[] { heartRate.Id, othersRate.Id }.Order(), ids);
    }

    [Theory]
    [InlineData("Observation?no-such-parameter=1", "no-such-parameter")]
    [InlineData("Observation?_count=10", "_count")]
    [InlineData("Observation?code:missing=maybe", "true or false")]
    [InlineData("NoSuchType?code=1", "must be a search")]
    [InlineData("Patient?family=x", "_type does not list")]
    public async Task TypeFilter_the_search_engine_cannot_run_is_400_with_the_reason(string filter, string reason)
    {
        await using var server = ExportClient.NewServer();
        var client = server.CreateFhirClient();

        using var response = await client.SendAsync(ExportClient.KickOffRequest($"$export?_type=Observation&_typeFilter={Q(filter)}"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var outcome = await response.ReadAsync<OperationOutcome>();
        Assert.Contains(reason, outcome.Issue[0].Diagnostics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Patient_export_takes_the_patient_compartment_only()
    {
        await using var server = ExportClient.NewServer();
        var client = server.CreateFhirClient();
        var patients = new[] { await client.CreateAsync(Fhir.Patient("Okafor")), await client.CreateAsync(Fhir.Patient("Rivera")) };
        await client.CreateAsync(Fhir.HeartRate(patients[0].Id, "2026-03-01T10:00:00Z", 70));
        await client.CreateAsync(Fhir.HeartRate(patients[1].Id, "2026-03-01T10:00:00Z", 72));
        var noPatient = new Observation { Status = ObservationStatus.Final, Code = new CodeableConcept("http://loinc.org", "8867-4") };
        noPatient.Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs")];
        noPatient.Value = new Quantity { Value = 70, Unit = "/min", System = "http://unitsofmeasure.org", Code = "/min" };
        noPatient.Effective = new FhirDateTime("2026-03-01T10:00:00Z");
        var orphan = await client.PostAsync("Observation", Fhir.Json(noPatient));
        var orphanId = orphan.IsSuccessStatusCode ? (await orphan.ReadAsync<Observation>()).Id : null;

        var manifest = await client.WaitForManifestAsync(await client.KickOffAsync("Patient/$export"));

        var outputs = manifest.Outputs();
        Assert.Equal(new[] { "Observation", "Patient" }, outputs.Keys.Order());
        Assert.Equal(2, outputs["Patient"].Count);
        var observations = await client.DownloadAsync<Observation>(outputs["Observation"].Url);
        Assert.Equal(2, observations.Count);
        Assert.DoesNotContain(observations, o => o.Id == orphanId);
    }

    [Fact]
    public async Task Group_export_takes_the_members_compartments_and_reports_bad_members()
    {
        await using var server = ExportClient.NewServer();
        var client = server.CreateFhirClient();
        var inCohort = new[] { await client.CreateAsync(Fhir.Patient("Okafor")), await client.CreateAsync(Fhir.Patient("Rivera")) };
        var outside = await client.CreateAsync(Fhir.Patient("Nakamura"));
        var expected = new List<string>();
        foreach (var patient in inCohort)
        {
            expected.Add((await client.CreateAsync(Fhir.HeartRate(patient.Id, "2026-03-01T10:00:00Z", 70))).Id);
            expected.Add((await client.CreateAsync(RespiratoryRate(patient.Id, "2026-03-01T10:05:00Z"))).Id);
        }

        await client.CreateAsync(Fhir.HeartRate(outside.Id, "2026-03-01T10:00:00Z", 90));
        var group = await client.CreateAsync(new Group
        {
            Type = Group.GroupType.Person,
            Actual = true,
            Name = "Current induction cohort",
            Member =
            [
                new Group.MemberComponent { Entity = new ResourceReference($"Patient/{inCohort[0].Id}") },
                new Group.MemberComponent { Entity = new ResourceReference($"Patient/{inCohort[1].Id}") },
                new Group.MemberComponent { Entity = new ResourceReference("Patient/no-such-patient") },
                new Group.MemberComponent { Entity = new ResourceReference($"Patient/{outside.Id}"), Inactive = true },
            ],
        });

        var manifest = await client.WaitForManifestAsync(await client.KickOffAsync($"Group/{group.Id}/$export?_type=Patient,Observation"));

        var outputs = manifest.Outputs();
        Assert.Equal(inCohort.Select(p => p.Id).Order(), (await client.DownloadAsync<Patient>(outputs["Patient"].Url)).Select(p => p.Id).Order());
        Assert.Equal(expected.Order(), (await client.DownloadAsync<Observation>(outputs["Observation"].Url)).Select(o => o.Id).Order());
        var errors = manifest.Outputs("error");
        Assert.Equal(1, errors["OperationOutcome"].Count);
        var outcome = Assert.Single(await client.DownloadAsync<OperationOutcome>(errors["OperationOutcome"].Url));
        Assert.Contains("Patient/no-such-patient", outcome.Issue[0].Diagnostics, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("$export?_type=Observation", false, HttpStatusCode.BadRequest, "respond-async")]
    [InlineData("$export?_type=Observation,Ketamine", true, HttpStatusCode.BadRequest, "Ketamine")]
    [InlineData("$export?_outputFormat=text/csv", true, HttpStatusCode.BadRequest, "_outputFormat")]
    [InlineData("$export?_since=yesterday", true, HttpStatusCode.BadRequest, "_since")]
    [InlineData("$export?patient=Patient/1", true, HttpStatusCode.BadRequest, "patient")]
    [InlineData("Patient/$export?_type=Device", true, HttpStatusCode.BadRequest, "Patient compartment")]
    [InlineData("Group/no-such-group/$export", true, HttpStatusCode.NotFound, "Group/no-such-group")]
    public async Task Bad_kick_off_is_refused_with_an_OperationOutcome(string url, bool prefer, HttpStatusCode status, string reason)
    {
        await using var server = ExportClient.NewServer();
        var client = server.CreateFhirClient();

        using var response = prefer ? await client.SendAsync(ExportClient.KickOffRequest(url)) : await client.GetAsync(url);

        Assert.Equal(status, response.StatusCode);
        var outcome = await response.ReadAsync<OperationOutcome>();
        Assert.Contains(reason, outcome.Issue[0].Diagnostics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_job_status_and_file_are_404()
    {
        await using var server = ExportClient.NewServer();
        var client = server.CreateFhirClient();

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("$export-status/0123456789abcdef0123456789abcdef")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync("$export-status/0123456789abcdef0123456789abcdef")).StatusCode);

        var status = await client.KickOffAsync("$export?_type=Patient");
        await client.WaitForManifestAsync(status);
        var id = ExportClient.JobId(status);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"$export-file/{id}/Observation.ndjson")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"$export-file/{id}/..%2F..%2Ffhir.db")).StatusCode);
    }
}