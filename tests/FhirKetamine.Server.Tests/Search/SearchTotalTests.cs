// Firely's model is nullable-annotated throughout; in these tests a missing element is a failed assertion
// (a NullReferenceException names it), not something to guard against.
#nullable disable warnings

using FhirKetamine.Core.Search;
using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Tests.Search;

/// <summary>_total: accurate counts every match, none counts nothing, estimate counts up to a cap and says when it stopped.</summary>
public sealed class SearchTotalTests(FhirServerFactory factory) : IClassFixture<FhirServerFactory>
{
    private readonly HttpClient client = factory.CreateFhirClient();

    private const string System = "http://example.org/total-test";

    private async Task<string> CreateAsync(int count)
    {
        var code = Guid.NewGuid().ToString("N");
        var bundle = new Bundle { Type = Bundle.BundleType.Batch };
        for (var i = 0; i < count; i++)
        {
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                Resource = new Basic { Code = new CodeableConcept(System, code) },
                Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "Basic" },
            });
        }

        var response = await client.PostAsync(string.Empty, Fhir.Json(bundle));
        var answer = await response.ReadAsync<Bundle>();
        Assert.All(answer.Entry, e => Assert.StartsWith("201", e.Response.Status, StringComparison.Ordinal));
        return code;
    }

    private static List<OperationOutcome> Outcomes(Bundle bundle) =>
        bundle.Entry.Where(e => e.Search?.Mode == Bundle.SearchEntryMode.Outcome).Select(e => (OperationOutcome)e.Resource).ToList();

    [Fact]
    public async Task None_gives_no_total_but_the_page_and_accurate_and_the_default_count_every_match()
    {
        var code = await CreateAsync(3);

        var none = await client.GetBundleAsync($"Basic?code={System}|{code}&_total=none&_count=2");
        var accurate = await client.GetBundleAsync($"Basic?code={System}|{code}&_total=accurate&_count=2");
        var unsaid = await client.GetBundleAsync($"Basic?code={System}|{code}&_count=2");

        Assert.Null(none.Total);
        Assert.Equal(2, none.MatchIds().Count);
        Assert.Contains("_total=none", none.NextLink(), StringComparison.Ordinal);
        Assert.Equal(3, accurate.Total);
        Assert.Equal(3, unsaid.Total);
    }

    [Fact]
    public async Task Estimate_up_to_the_cap_is_the_exact_count_without_a_note()
    {
        var code = await CreateAsync(3);

        var estimate = await client.GetBundleAsync($"Basic?code={System}|{code}&_total=estimate&_count=1");
        var summary = await client.GetBundleAsync($"Basic?code={System}|{code}&_total=estimate&_summary=count");

        Assert.Equal(3, estimate.Total);
        Assert.Empty(Outcomes(estimate));
        Assert.Equal(3, summary.Total);
    }

    [Fact]
    public async Task Estimate_beyond_the_cap_stops_counting_and_says_so_while_accurate_counts_on()
    {
        var code = await CreateAsync(SearchExecutor.EstimateCap + 5);

        var estimate = await client.GetBundleAsync($"Basic?code={System}|{code}&_total=estimate&_count=5");
        var accurate = await client.GetBundleAsync($"Basic?code={System}|{code}&_count=5");

        Assert.Equal(5, estimate.MatchIds().Count);
        var note = Assert.Single(Outcomes(estimate)).Issue.Single();
        Assert.Equal(OperationOutcome.IssueSeverity.Information, note.Severity);
        Assert.Contains("_total=accurate", note.Diagnostics, StringComparison.Ordinal);
        if (factory.Database.Provider == "Postgres")
        {
            Assert.True(estimate.Total > SearchExecutor.EstimateCap, $"PostgreSQL's estimate, never below the cap + 1: {estimate.Total}");
        }
        else
        {
            Assert.Null(estimate.Total); // SQLite has no row estimate to give
        }

        Assert.Equal(SearchExecutor.EstimateCap + 5, accurate.Total);
        Assert.Empty(Outcomes(accurate));
    }
}
