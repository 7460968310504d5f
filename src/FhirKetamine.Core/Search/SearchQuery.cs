namespace FhirKetamine.Core.Search;

/// <summary>A parsed, validated search: what to match, how to order and page, and what was ignored.</summary>
public sealed record SearchQuery(string ResourceType)
{
    public const int DefaultCount = 20;
    public const int MaxCount = 1000;

    public List<SearchClause> Clauses { get; } = [];

    public List<SortKey> Sort { get; } = [];

    public int Count { get; set; } = DefaultCount;

    /// <summary>Where the page starts (a <c>next</c> or <c>previous</c> link's <c>_cursor</c>); null for the first page.</summary>
    public PageCursor? Cursor { get; set; }

    /// <summary>
    /// The highest resource key the first page could see. Later pages keep it, so resources created
    /// after the first page do not shift the pages a client is walking through.
    /// </summary>
    public long? Snapshot { get; set; }

    /// <summary>none, estimate or accurate (R4 _total).</summary>
    public string Total { get; set; } = "accurate";

    /// <summary>_summary=count: only the total, no entries.</summary>
    public bool SummaryCount { get; set; }

    /// <summary>_include and _revinclude, in request order.</summary>
    public List<IncludeSpec> Includes { get; } = [];

    /// <summary>
    /// What the caller may search (its <c>s</c> scopes: a patient's compartment, granular <c>?category=…</c> filters),
    /// or null for everything. It is one more predicate on every part of the query: the matches, each chain and
    /// <c>_has</c> step, never a filter applied to a page afterwards.
    /// </summary>
    public AccessBounds? Bounds { get; set; }

    /// <summary>What <c>_include</c> and <c>_revinclude</c> may return (the caller's <c>r</c> scopes), or null for everything.</summary>
    public AccessBounds? IncludeBounds { get; set; }

    /// <summary>Parameters the server does not know, ignored under lenient handling and reported back.</summary>
    public List<string> Ignored { get; } = [];

    /// <summary>The <c>_sort</c> in canonical form (empty when unsorted), which a <see cref="PageCursor"/> names.</summary>
    public string SortText => string.Join(',', Sort.Select(s => (s.Descending ? "-" : string.Empty) + s.Name));

    /// <summary>The matching parameters in canonical form, for the Bundle's self and next links.</summary>
    public IEnumerable<KeyValuePair<string, string>> ToLinkParameters()
    {
        foreach (var clause in Clauses)
        {
            yield return new(clause.RawName, string.Join(',', clause.Values.Select(v => v.Replace(",", "\\,", StringComparison.Ordinal))));
        }

        foreach (var include in Includes)
        {
            yield return new(include.LinkName, include.Raw);
        }

        if (Sort.Count > 0)
        {
            yield return new("_sort", SortText);
        }

        if (Total != "accurate")
        {
            yield return new("_total", Total);
        }

        if (SummaryCount)
        {
            yield return new("_summary", "count");
        }

        yield return new("_count", Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
