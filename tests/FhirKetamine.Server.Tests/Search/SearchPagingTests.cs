// Firely's model is nullable-annotated throughout; in these tests a missing element is a failed assertion
// (a NullReferenceException names it), not something to guard against.
#nullable disable warnings

using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Tests.Search;

public sealed class SearchPagingTests(FhirServerFactory factory) : IClassFixture<FhirServerFactory>
{
    private readonly HttpClient client = factory.CreateFhirClient();

    private async Task<(string Patient, List<string> Observations)> PatientWithObservationsAsync(int count)
    {
        var patient = (await client.CreateAsync(Fhir.Patient())).Id;
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            ids.Add((await client.CreateAsync(Fhir.HeartRate(patient, $"2026-03-{i + 1:00}T10:00:00Z", 60 + i))).Id);
        }

        return (patient, ids);
    }

    [Fact]
    public async Task Following_next_links_with_count_2_yields_every_match_exactly_once()
    {
        var (patient, ids) = await PatientWithObservationsAsync(7);

        var pages = await client.AllPagesAsync($"Observation?patient={patient}&_count=2");

        Assert.Equal(4, pages.Count);
        Assert.All(pages, p => Assert.True(p.MatchIds().Count <= 2));
        var seen = pages.SelectMany(p => p.MatchIds()).ToList();
        Assert.Equal(ids.Count, seen.Count);
        Assert.Equal(ids.Order(), seen.Order());
        Assert.Null(pages[^1].NextLink());
    }

    [Fact]
    public async Task Paging_a_date_sorted_search_keeps_the_order_across_pages()
    {
        var (patient, ids) = await PatientWithObservationsAsync(5);

        var pages = await client.AllPagesAsync($"Observation?patient={patient}&_sort=-date&_count=2");

        Assert.Equal(Enumerable.Reverse(ids), pages.SelectMany(p => p.MatchIds()));
    }

    [Fact]
    public async Task Next_link_keeps_working_while_new_matches_are_created_between_pages()
    {
        var (patient, ids) = await PatientWithObservationsAsync(5);

        var first = await client.GetBundleAsync($"Observation?patient={patient}&_count=2");
        var seen = first.MatchIds();
        var next = first.NextLink();
        var added = 0;
        while (next is not null)
        {
            // New matching resources arrive between every page.
            for (var i = 0; i < 2; i++, added++)
            {
                await client.CreateAsync(Fhir.HeartRate(patient, "2026-02-01T10:00:00Z", 90 + added));
            }

            var page = await client.GetBundleAsync(next);
            seen.AddRange(page.MatchIds());
            next = page.NextLink();
        }

        Assert.True(added >= 4);
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Equal(ids.Order(), seen.Order());

        // A fresh search sees the new ones.
        var fresh = await client.GetBundleAsync($"Observation?patient={patient}&_count=0");
        Assert.Equal(ids.Count + added, fresh.Total);
    }

    [Fact]
    public async Task Total_is_the_number_of_all_matches_not_of_the_page()
    {
        var (patient, _) = await PatientWithObservationsAsync(3);

        var accurate = await client.GetBundleAsync($"Observation?patient={patient}&_count=1&_total=accurate");
        var none = await client.GetBundleAsync($"Observation?patient={patient}&_count=1&_total=none");
        var countOnly = await client.GetBundleAsync($"Observation?patient={patient}&_summary=count");

        Assert.Equal(3, accurate.Total);
        Assert.Single(accurate.MatchIds());
        Assert.Null(none.Total);
        Assert.Single(none.MatchIds());
        Assert.Equal(3, countOnly.Total);
        Assert.Empty(countOnly.MatchIds());
    }

    [Fact]
    public async Task Invalid_total_value_returns_400()
    {
        var response = await client.GetAsync("Observation?_total=some");

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        await response.ReadAsync<OperationOutcome>();
    }
}
