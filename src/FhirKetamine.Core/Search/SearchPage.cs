namespace FhirKetamine.Core.Search;

/// <summary>
/// One page of search results, with what the Bundle needs for its total and paging links: the snapshot (for the
/// <c>first</c> link) and the cursors of the pages after and before this one, null where there is none.
/// </summary>
public sealed record SearchPage(IReadOnlyList<SearchMatch> Matches, int? Total, long Snapshot, PageCursor? Next, PageCursor? Previous)
{
    /// <summary>Resources brought in by _include and _revinclude (search.mode = include), each once, none of them a match.</summary>
    public IReadOnlyList<SearchMatch> Included { get; init; } = [];

    /// <summary>True when an include level found more than <see cref="SearchExecutor.MaxIncludedPerLevel"/> resources and was cut.</summary>
    public bool IncludesTruncated { get; init; }

    /// <summary>
    /// True when <c>_total=estimate</c> stopped counting at <see cref="SearchExecutor.EstimateCap"/>: <see cref="Total"/>
    /// is then the database's estimate (PostgreSQL) or null (SQLite).
    /// </summary>
    public bool TotalCapped { get; init; }
}
