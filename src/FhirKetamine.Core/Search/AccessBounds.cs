namespace FhirKetamine.Core.Search;

/// <summary>
/// One way a caller may see resources of a type: those matching every clause of <see cref="Clauses"/> (a granular
/// SMART scope's <c>?category=…</c> filter; empty for none), and inside <see cref="Patient"/>'s compartment when set
/// (a <c>patient/</c> scope).
/// </summary>
public sealed record AccessAlternative(IReadOnlyList<SearchClause> Clauses, string? Patient);

/// <summary>
/// What a caller may see, per resource type, as the search engine applies it: a resource is visible when it satisfies
/// at least one of its type's alternatives. It is one more predicate on the matches, on every chain and <c>_has</c>
/// step and on every include level (never a filter applied to a page afterwards); reads and history use the same
/// predicate. Null alternatives mean unrestricted; an empty list means nothing of that type is visible.
/// </summary>
public sealed class AccessBounds(IReadOnlyDictionary<string, IReadOnlyList<AccessAlternative>?> byType, IReadOnlyList<AccessAlternative>? otherTypes)
{
    /// <summary>The types with alternatives of their own (named by a scope); every other type has <see cref="OtherTypes"/>.</summary>
    public IReadOnlyCollection<string> NamedTypes => byType.Keys.ToList();

    /// <summary>
    /// The alternatives of the types no scope names (what wildcard scopes allow): unrestricted (null), nothing (empty), or
    /// only compartment alternatives (a wildcard scope cannot carry a type-specific filter).
    /// </summary>
    public IReadOnlyList<AccessAlternative>? OtherTypes { get; } = otherTypes;

    public IReadOnlyList<AccessAlternative>? For(string type) => byType.TryGetValue(type, out var alternatives) ? alternatives : OtherTypes;
}
