// Firely's model is nullable-annotated throughout; in these tests a missing element is a failed assertion
// (a NullReferenceException names it), not something to guard against.
#nullable disable warnings

using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Tests.Search;

/// <summary>Reads searchset and history Bundles in tests: the matched ids, the next link, every page.</summary>
public static class SearchBundles
{
    public static async Task<Bundle> GetBundleAsync(this HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        Assert.True(response.IsSuccessStatusCode, $"GET {url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.ReadAsync<Bundle>();
    }

    /// <summary>The ids of the entries that are matches (not outcome or include entries), in Bundle order.</summary>
    public static List<string> MatchIds(this Bundle bundle) =>
        bundle.Entry.Where(e => e.Search?.Mode is null or Bundle.SearchEntryMode.Match).Select(e => e.Resource.Id).ToList();

    public static string? NextLink(this Bundle bundle) => bundle.Link.FirstOrDefault(l => l.Relation == "next")?.Url;

    /// <summary>Follows next links from the first page to the last and returns every page.</summary>
    public static async Task<List<Bundle>> AllPagesAsync(this HttpClient client, string url, int maxPages = 100)
    {
        var pages = new List<Bundle> { await client.GetBundleAsync(url) };
        while (pages[^1].NextLink() is { } next)
        {
            Assert.True(pages.Count < maxPages, "Too many pages: the next links never end.");
            pages.Add(await client.GetBundleAsync(next));
        }

        return pages;
    }

    public static string Q(string value) => Uri.EscapeDataString(value);
}
