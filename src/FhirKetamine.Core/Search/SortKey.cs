namespace FhirKetamine.Core.Search;

/// <summary>One <c>_sort</c> key: a parameter name and its direction.</summary>
public sealed record SortKey(string Name, bool Descending);
