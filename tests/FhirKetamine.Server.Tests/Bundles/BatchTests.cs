// Firely's model is nullable-annotated throughout; in these tests a missing element is a failed assertion
// (a NullReferenceException names it), not something to guard against.
#nullable disable warnings

using System.Net;
using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Tests.Bundles;

public sealed class BatchTests(FhirServerFactory factory) : IClassFixture<FhirServerFactory>
{
    private readonly HttpClient client = factory.CreateFhirClient();

    [Fact]
    public async Task Batch_with_bad_entries_returns_200_where_good_entries_succeed_and_bad_ones_carry_status_and_outcome()
    {
        var existing = await client.CreateAsync(Fhir.Patient("Existing"));
        var missingId = Guid.NewGuid().ToString("N");
        var batch = new Bundle { Type = Bundle.BundleType.Batch };
        batch.Entry.Add(new Bundle.EntryComponent
        {
            Resource = Fhir.Patient("Good"),
            Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "Patient" },
        });
        batch.Entry.Add(new Bundle.EntryComponent { Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.GET, Url = $"Patient/{missingId}" } });
        batch.Entry.Add(new Bundle.EntryComponent
        {
            Resource = Fhir.Patient("WrongType"),
            Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "Observation" },
        });
        batch.Entry.Add(new Bundle.EntryComponent { Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.GET, Url = $"Patient/{existing.Id}" } });

        var response = await client.PostAsync(string.Empty, Fhir.Json(batch));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.ReadAsync<Bundle>();
        Assert.Equal(Bundle.BundleType.BatchResponse, result.Type);
        Assert.Equal(4, result.Entry.Count);

        Assert.StartsWith("201", result.Entry[0].Response.Status);
        var createdId = new Uri(result.Entry[0].Response.Location).AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries)[^3];
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"Patient/{createdId}")).StatusCode);

        Assert.StartsWith("404", result.Entry[1].Response.Status);
        Assert.IsType<OperationOutcome>(result.Entry[1].Response.Outcome);

        Assert.Matches("^4\\d\\d", result.Entry[2].Response.Status);
        Assert.IsType<OperationOutcome>(result.Entry[2].Response.Outcome);

        Assert.StartsWith("200", result.Entry[3].Response.Status);
        Assert.Equal(existing.Id, Assert.IsType<Patient>(result.Entry[3].Resource).Id);
    }

    [Fact]
    public async Task Batch_entries_are_independent_a_failed_update_does_not_undo_a_create()
    {
        var existing = await client.CreateAsync(Fhir.Patient("Existing"));
        existing.Name[0].Family = "Stale";
        var batch = new Bundle { Type = Bundle.BundleType.Batch };
        batch.Entry.Add(new Bundle.EntryComponent
        {
            Resource = existing,
            Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PUT, Url = $"Patient/{existing.Id}", IfMatch = "W/\"7\"" },
        });
        batch.Entry.Add(new Bundle.EntryComponent
        {
            Resource = Fhir.Patient("Good"),
            Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "Patient" },
        });

        var result = await (await client.PostAsync(string.Empty, Fhir.Json(batch))).ReadAsync<Bundle>();

        Assert.Matches("^(409|412)", result.Entry[0].Response.Status);
        Assert.StartsWith("201", result.Entry[1].Response.Status);
        var current = await (await client.GetAsync($"Patient/{existing.Id}")).ReadAsync<Patient>();
        Assert.Equal("Existing", current.Name[0].Family);
    }

    [Fact]
    public async Task Posting_a_non_bundle_to_the_base_returns_400()
    {
        var response = await client.PostAsync(string.Empty, Fhir.Json(Fhir.Patient()));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await response.ReadAsync<OperationOutcome>();
    }
}
