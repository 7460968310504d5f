// Firely's model is nullable-annotated throughout; in these tests a missing element is a failed assertion
// (a NullReferenceException names it), not something to guard against.
#nullable disable warnings

using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;

namespace FhirKetamine.Server.Tests.Clients;

public sealed class FirelyClientTests(FhirServerFactory factory) : IClassFixture<FhirServerFactory>
{
    private const string MrnSystem = "urn:oid:1.2.36.146.595.217.0.1";

    private FhirClient NewClient() =>
        new("http://localhost/fhir", factory.CreateClient(), new FhirClientSettings { PreferredFormat = ResourceFormat.Json });

    [Fact]
    public async Task Firely_client_creates_reads_and_updates_a_patient()
    {
        using var client = NewClient();

        var created = await client.CreateAsync(Fhir.Patient("Rivera", Guid.NewGuid().ToString("N")));
        Assert.NotNull(created);
        Assert.Equal("1", created!.Meta.VersionId);

        var read = await client.ReadAsync<Patient>($"Patient/{created.Id}");
        Assert.Equal("Rivera", read!.Name[0].Family);

        read.Name[0].Family = "Rivera-Lopez";
        var updated = await client.UpdateAsync(read, versionAware: true);
        Assert.Equal("2", updated!.Meta.VersionId);
        Assert.Equal("Rivera-Lopez", updated.Name[0].Family);

        var v1 = await client.ReadAsync<Patient>($"Patient/{created.Id}/_history/1");
        Assert.Equal("Rivera", v1!.Name[0].Family);
    }

    [Fact]
    public async Task Firely_client_searches_and_pages()
    {
        using var client = NewClient();
        var patient = await client.CreateAsync(Fhir.Patient(mrn: Guid.NewGuid().ToString("N")));
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await client.CreateAsync(Fhir.HeartRate(patient!.Id, $"2026-03-0{i + 1}T10:00:00Z", 70 + i)))!.Id);
        }

        var byIdentifier = await client.SearchAsync<Patient>([$"identifier={MrnSystem}|{patient!.Identifier[0].Value}"]);
        Assert.Equal([patient.Id], byIdentifier!.Entry.Select(e => e.Resource.Id));

        var page = await client.SearchAsync<Observation>(new SearchParams().Where($"patient={patient.Id}").Where("code=http://loinc.org|8867-4").LimitTo(2));
        var seen = new List<string>();
        while (page is not null)
        {
            seen.AddRange(page.Entry.Where(e => e.Resource is Observation).Select(e => e.Resource.Id));
            page = await client.ContinueAsync(page);
        }

        Assert.Equal(ids.Order(), seen.Order());
    }

    [Fact]
    public async Task Firely_client_runs_a_transaction()
    {
        using var client = NewClient();
        var mrn = Guid.NewGuid().ToString("N");
        var patientUrn = $"urn:uuid:{Guid.NewGuid()}";
        var obs = Fhir.HeartRate("x", "2026-03-01T10:00:00Z", 72);
        obs.Subject = new ResourceReference(patientUrn);
        var bundle = new Bundle { Type = Bundle.BundleType.Transaction };
        bundle.Entry.Add(new Bundle.EntryComponent
        {
            FullUrl = patientUrn,
            Resource = Fhir.Patient(mrn: mrn),
            Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "Patient" },
        });
        bundle.Entry.Add(new Bundle.EntryComponent
        {
            FullUrl = $"urn:uuid:{Guid.NewGuid()}",
            Resource = obs,
            Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "Observation" },
        });

        var result = await client.TransactionAsync(bundle);

        Assert.Equal(Bundle.BundleType.TransactionResponse, result!.Type);
        Assert.All(result.Entry, e => Assert.StartsWith("201", e.Response.Status));
        var patients = await client.SearchAsync<Patient>([$"identifier={MrnSystem}|{mrn}"]);
        var patientId = Assert.Single(patients!.Entry).Resource.Id;
        var observations = await client.SearchAsync<Observation>([$"patient={patientId}"]);
        var stored = Assert.IsType<Observation>(Assert.Single(observations!.Entry).Resource);
        Assert.Equal($"Patient/{patientId}", stored.Subject.Reference);
    }

    [Fact]
    public async Task Firely_client_surfaces_a_stale_update_as_a_FhirOperationException()
    {
        using var client = NewClient();
        var created = await client.CreateAsync(Fhir.Patient());
        var copy = (Patient)created!.DeepCopy();
        created.Name[0].Family = "First";
        await client.UpdateAsync(created, versionAware: true);

        copy.Name[0].Family = "Second";
        var ex = await Assert.ThrowsAsync<FhirOperationException>(() => client.UpdateAsync(copy, versionAware: true));

        Assert.True(ex.Status is System.Net.HttpStatusCode.PreconditionFailed or System.Net.HttpStatusCode.Conflict, $"got {ex.Status}");
        Assert.NotNull(ex.Outcome);
    }
}
