// Firely's model is nullable-annotated throughout; in these tests a missing element is a failed assertion
// (a NullReferenceException names it), not something to guard against.
#nullable disable warnings

using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Tests.Search;

public sealed class SearchSortTests(FhirServerFactory factory) : IClassFixture<FhirServerFactory>
{
    private readonly HttpClient client = factory.CreateFhirClient();

    [Fact]
    public async Task Sort_by_date_ascending_and_descending_orders_by_effective_time()
    {
        var patient = (await client.CreateAsync(Fhir.Patient())).Id;
        // Created out of date order, so key order and date order differ.
        var middle = (await client.CreateAsync(Fhir.HeartRate(patient, "2026-03-02T10:00:00Z", 71))).Id;
        var latest = (await client.CreateAsync(Fhir.HeartRate(patient, "2026-03-03T10:00:00Z", 72))).Id;
        var earliest = (await client.CreateAsync(Fhir.HeartRate(patient, "2026-03-01T10:00:00Z", 70))).Id;

        var ascending = await client.GetBundleAsync($"Observation?patient={patient}&_sort=date");
        var descending = await client.GetBundleAsync($"Observation?patient={patient}&_sort=-date");

        Assert.Equal([earliest, middle, latest], ascending.MatchIds());
        Assert.Equal([latest, middle, earliest], descending.MatchIds());
    }

    [Fact]
    public async Task Sort_by_descending_lastUpdated_puts_the_newest_write_first()
    {
        var patient = (await client.CreateAsync(Fhir.Patient())).Id;
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await client.CreateAsync(Fhir.HeartRate(patient, "2026-03-01T10:00:00Z", 70 + i))).Id);
            await Task.Delay(15);
        }

        // Updating the first one makes it the most recently changed.
        var first = await client.GetAsync($"Observation/{ids[0]}");
        var obs = await first.ReadAsync<Observation>();
        obs.Status = ObservationStatus.Amended;
        var put = await client.PutAsync($"Observation/{ids[0]}", Fhir.Json(obs));
        put.EnsureSuccessStatusCode();

        var bundle = await client.GetBundleAsync($"Observation?patient={patient}&_sort=-_lastUpdated");

        Assert.Equal([ids[0], ids[2], ids[1]], bundle.MatchIds());
    }

    [Fact]
    public async Task Sort_on_a_parameter_without_a_single_value_is_refused_with_400()
    {
        var response = await client.GetAsync("Observation?_sort=component-code-value-quantity");

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        await response.ReadAsync<OperationOutcome>();
    }
}
