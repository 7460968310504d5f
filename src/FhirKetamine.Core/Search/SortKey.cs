namespace FhirKetamine.Core.Search;

/// <summary>One <c>_sort</c> key: a parameter name, its direction, and its definition (null for <c>_id</c> and <c>_lastUpdated</c>).</summary>
public sealed record SortKey(string Name, bool Descending, SearchParameterInfo? Parameter);
