// Firely's model is nullable-annotated throughout; in these tests a missing element is a failed assertion
// (a NullReferenceException names it), not something to guard against.
#nullable disable warnings

using System.Net;
using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Tests.Storage;

/// <summary>
/// <c>ConnectionStrings:FhirReadOnly</c> (issue 8): searches and type/system history go to the read replica,
/// reads by id, instance history, conditional matching and searches inside a transaction stay on the primary.
/// The "replica" here is a second database that never receives the primary's writes, so where each answer
/// came from is visible: what only the replica holds is found by searches; what only the primary holds by
/// everything that must follow the caller's own writes.
/// </summary>
public sealed class ReadReplicaTests : IAsyncLifetime
{
    private readonly FhirServerFactory _replica = new();
    private FhirServerFactory _primary = null!;

    public Task InitializeAsync()
    {
        _ = _replica.CreateClient(); // migrates the replica's database and loads the IG into it
        _primary = new FhirServerFactory();
        _primary.Settings["ConnectionStrings:FhirReadOnly"] = _replica.Database.ConnectionString;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _primary.DisposeAsync();
        await _replica.DisposeAsync();
    }

    [Fact]
    public async Task Searches_and_type_history_read_the_replica_while_reads_by_id_and_conditional_writes_use_the_primary()
    {
        var onReplica = $"replica-{Guid.NewGuid():N}"[..20];
        var onPrimary = $"primary-{Guid.NewGuid():N}"[..20];
        var replicaPatient = await _replica.CreateFhirClient().CreateAsync(Fhir.Patient("OnReplica", onReplica));
        var client = _primary.CreateFhirClient();
        var primaryPatient = await client.CreateAsync(Fhir.Patient("OnPrimary", onPrimary));

        var foundOnReplica = await (await client.GetAsync($"Patient?identifier={onReplica}")).ReadAsync<Bundle>();
        var foundOnPrimary = await (await client.GetAsync($"Patient?identifier={onPrimary}")).ReadAsync<Bundle>();
        var typeHistory = await (await client.GetAsync("Patient/_history?_count=1000")).ReadAsync<Bundle>();
        var read = await client.GetAsync($"Patient/{primaryPatient.Id}");
        var instanceHistory = await client.GetAsync($"Patient/{primaryPatient.Id}/_history");

        Assert.Equal(replicaPatient.Id, Assert.Single(foundOnReplica.Entry).Resource.Id);
        Assert.Empty(foundOnPrimary.Entry); // the lag of a replica, shown at its extreme
        Assert.Contains(typeHistory.Entry, e => e.Resource?.Id == replicaPatient.Id);
        Assert.DoesNotContain(typeHistory.Entry, e => e.Resource?.Id == primaryPatient.Id);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.OK, instanceHistory.StatusCode);

        // A conditional create decides on the primary: the retried post finds the first, never a duplicate.
        var retry = new HttpRequestMessage(HttpMethod.Post, "Patient") { Content = Fhir.Json(Fhir.Patient("OnPrimary", onPrimary)) };
        retry.Headers.Add("If-None-Exist", $"identifier={onPrimary}");
        var retried = await client.SendAsync(retry);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal(primaryPatient.Id, (await retried.ReadAsync<Patient>()).Id);
    }

    [Fact]
    public async Task A_search_inside_a_transaction_sees_the_primary()
    {
        var onPrimary = $"primary-{Guid.NewGuid():N}"[..20];
        var client = _primary.CreateFhirClient();
        var patient = await client.CreateAsync(Fhir.Patient("InTransaction", onPrimary));
        var transaction = new Bundle { Type = Bundle.BundleType.Transaction };
        transaction.Entry.Add(new Bundle.EntryComponent { Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.GET, Url = $"Patient?identifier={onPrimary}" } });

        var response = await client.PostAsync(string.Empty, Fhir.Json(transaction));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.ReadAsync<Bundle>();
        var searchset = (Bundle)result.Entry[0].Resource;
        Assert.Equal(patient.Id, Assert.Single(searchset.Entry).Resource.Id);
    }
}
