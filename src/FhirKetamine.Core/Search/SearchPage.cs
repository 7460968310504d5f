namespace FhirKetamine.Core.Search;

/// <summary>One page of search results, with what the Bundle needs for its total and paging links.</summary>
public sealed record SearchPage(IReadOnlyList<SearchMatch> Matches, int? Total, long Snapshot, bool HasNext);
