using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Search;

namespace FhirKetamine.Core.Smart;

/// <summary>
/// Turns a grant into what the search engine enforces (<see cref="AccessBounds"/>): for each resource type, the scopes
/// giving <c>r</c> (read) or <c>s</c> (search) on it, each as one alternative: a <c>patient/</c> scope bounds it by the
/// token's patient compartment, a granular v2 scope (<c>patient/Observation.rs?category=…|vital-signs</c>) by its
/// filter, parsed as search parameters of that type. A filter that is not plain search parameters of the type
/// (unknown parameter, chain, <c>_has</c>, result parameters, or any filter on a <c>*</c> scope) cannot be enforced,
/// so that scope grants nothing. Null when some scope allows every type unconditionally (the common EHR grant).
/// </summary>
public static class ScopeBounds
{
    public static AccessBounds? Of(SmartAccess access, char permission, SearchQueryParser parser)
    {
        var scopes = access.Scopes.Where(s => s.Permissions.Contains(permission, StringComparison.Ordinal)).ToList();
        if (scopes.Any(s => s.ResourceType == "*" && s.Filter is null && s.Context != "patient"))
        {
            return null;
        }

        var wildcard = scopes.Where(s => s.ResourceType == "*").ToList();
        var byType = scopes.Where(s => s.ResourceType != "*").Select(s => s.ResourceType).Distinct(StringComparer.Ordinal)
            .ToDictionary(type => type, type => Normalise(scopes.Where(s => s.ResourceType == type).Concat(wildcard)
                .Select(s => Alternative(access, s, type, parser))), StringComparer.Ordinal);
        return new AccessBounds(byType, Normalise(wildcard.Select(s => Alternative(access, s, null, parser))));
    }

    /// <summary>
    /// The granular filter of a scope as search clauses on <paramref name="type"/>, or null when it cannot be enforced
    /// (then the scope grants nothing).
    /// </summary>
    public static IReadOnlyList<SearchClause>? FilterClauses(string filter, string type, SearchQueryParser parser)
    {
        var parameters = QueryString.Parse(filter);
        try
        {
            var query = parser.Parse(type, parameters, strict: true);
            return parameters.Count > 0 && query.Clauses.Count == parameters.Count && query.Includes.Count == 0 && query.Sort.Count == 0
                // :in/:not-in need a ValueSet expanded per request, which reads and history (synchronous predicates) cannot do.
                && query.Clauses.All(c => c.Chain is null && c.Has is null && c.Modifier is not ("in" or "not-in"))
                ? query.Clauses
                : null;
        }
        catch (FhirException)
        {
            return null;
        }
    }

    private static AccessAlternative? Alternative(SmartAccess access, SmartScope scope, string? type, SearchQueryParser parser)
    {
        // A patient/ scope without a patient in the token reaches no compartment: "" matches nothing.
        var patient = scope.Context == "patient" ? access.PatientId ?? string.Empty : null;
        if (scope.Filter is null)
        {
            return new AccessAlternative([], patient);
        }

        return type is not null && FilterClauses(scope.Filter, type, parser) is { } clauses ? new AccessAlternative(clauses, patient) : null;
    }

    /// <summary>Null (unrestricted) when one alternative has neither a filter nor a compartment; otherwise the alternatives.</summary>
    private static IReadOnlyList<AccessAlternative>? Normalise(IEnumerable<AccessAlternative?> alternatives)
    {
        var list = alternatives.OfType<AccessAlternative>().ToList();
        return list.Any(a => a.Clauses.Count == 0 && a.Patient is null) ? null : list;
    }
}
