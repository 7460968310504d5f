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
    public async Task Deleting_a_match_already_seen_does_not_make_the_next_page_skip_one()
    {
        // With offset paging the page after a deletion starts one row too late: the first unseen match is never shown.
        var (patient, ids) = await PatientWithObservationsAsync(6);

        var first = await client.GetBundleAsync($"Observation?patient={patient}&_sort=date&_count=2");
        Assert.Equal(ids[..2], first.MatchIds());
        using (var deleted = await client.DeleteAsync($"Observation/{ids[0]}"))
        {
            Assert.Equal(System.Net.HttpStatusCode.NoContent, deleted.StatusCode);
        }

        var second = await client.GetBundleAsync(first.NextLink());
        Assert.Equal(ids[2..4], second.MatchIds());
    }

    [Fact]
    public async Task A_match_moved_by_an_update_between_pages_is_neither_repeated_nor_lost_by_the_others()
    {
        var (patient, ids) = await PatientWithObservationsAsync(6);

        var first = await client.GetBundleAsync($"Observation?patient={patient}&_sort=date&_count=3");
        Assert.Equal(ids[..3], first.MatchIds());

        // The first match now sorts last: the next page still holds exactly the three not yet seen, then it.
        using var read = await client.GetAsync($"Observation/{ids[0]}");
        var moved = await read.ReadAsync<Observation>();
        moved.Effective = new FhirDateTime("2026-04-01T10:00:00Z");
        using (var put = await client.PutAsync($"Observation/{ids[0]}", Fhir.Json(moved)))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, put.StatusCode);
        }

        var rest = await client.AllPagesAsync(first.NextLink());
        Assert.Equal([.. ids[3..], ids[0]], rest.SelectMany(p => p.MatchIds()));
    }

    [Fact]
    public async Task Previous_links_walk_back_over_the_same_pages()
    {
        var (patient, ids) = await PatientWithObservationsAsync(7);

        var forward = await client.AllPagesAsync($"Observation?patient={patient}&_sort=-date&_count=2");
        Assert.Equal(4, forward.Count);
        Assert.Null(forward[0].Link.FirstOrDefault(l => l.Relation == "previous"));

        var backward = new List<List<string>>();
        var page = forward[^1];
        while (page.Link.FirstOrDefault(l => l.Relation == "previous")?.Url is { } previous)
        {
            page = await client.GetBundleAsync(previous);
            backward.Add(page.MatchIds());
        }

        Assert.Equal(forward.Take(3).Reverse().Select(p => p.MatchIds()), backward);
        Assert.Equal(Enumerable.Reverse(ids).Take(2), backward[^1]);

        // The self link of a page reached by a cursor gives that page again.
        var again = await client.GetBundleAsync(forward[1].Link.Single(l => l.Relation == "self").Url);
        Assert.Equal(forward[1].MatchIds(), again.MatchIds());
    }

    [Fact]
    public async Task Ties_in_the_sort_key_are_paged_by_resource_order_without_overlap()
    {
        var patient = (await client.CreateAsync(Fhir.Patient())).Id;
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            ids.Add((await client.CreateAsync(Fhir.HeartRate(patient, i < 5 ? "2026-03-01T10:00:00Z" : $"2026-02-0{i}T10:00:00Z", 70))).Id);
        }

        var pages = await client.AllPagesAsync($"Observation?patient={patient}&_sort=-date&_count=2");
        var seen = pages.SelectMany(p => p.MatchIds()).ToList();

        Assert.Equal(7, seen.Count);
        Assert.Equal(ids[..5], seen[..5]); // the five equal dates in creation order, split over three pages
        Assert.Equal([ids[6], ids[5]], seen[5..]);
    }

    [Theory]
    [InlineData("not-a-cursor")]
    [InlineData("eyJTIjoxfQ")] // base64url of {"S":1}: well-formed JSON, not a cursor
    public async Task A_cursor_the_server_did_not_make_is_400(string cursor)
    {
        using var response = await client.GetAsync($"Observation?_cursor={cursor}");

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        var outcome = await response.ReadAsync<OperationOutcome>();
        Assert.Contains(outcome.Issue, i => i.Expression.Contains("_cursor"));
    }

    [Fact]
    public async Task A_cursor_sent_with_another_sort_is_400_not_a_wrong_page()
    {
        var (patient, _) = await PatientWithObservationsAsync(3);
        var first = await client.GetBundleAsync($"Observation?patient={patient}&_sort=-date&_count=1");
        var cursor = System.Web.HttpUtility.ParseQueryString(new Uri(first.NextLink()).Query)["_cursor"];

        using var response = await client.GetAsync($"Observation?patient={patient}&_sort=_lastUpdated&_count=1&_cursor={cursor}");

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
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
