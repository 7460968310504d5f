namespace FhirKetamine.Core.Search;

/// <summary>One page of search results, with what the Bundle needs for its total and paging links.</summary>
public sealed record SearchPage(IReadOnlyList<SearchMatch> Matches, int? Total, long Snapshot, bool HasNext)
{
    /// <summary>Resources brought in by _include and _revinclude (search.mode = include), each once, none of them a match.</summary>
    public IReadOnlyList<SearchMatch> Included { get; init; } = [];

    /// <summary>True when an include level found more than <see cref="SearchExecutor.MaxIncludedPerLevel"/> resources and was cut.</summary>
    public bool IncludesTruncated { get; init; }
}
