namespace FhirKetamine.Core.Search;

/// <summary>
/// One AND term of a search: a parameter (with its modifier) and its comma-separated OR values.
/// <see cref="Parameter"/> is null for the parameters every resource has (<c>_id</c>, <c>_lastUpdated</c>),
/// which are columns of the resource row rather than index rows.
/// </summary>
public sealed record SearchClause(string Name, string? Modifier, SearchParameterInfo? Parameter, IReadOnlyList<string> Values);
