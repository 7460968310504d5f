namespace FhirKetamine.Core.Smart;

/// <summary>
/// What a client is granted: each requested scope that the client's registered scopes cover. A SMART
/// resource scope is covered by a registered one of the same context whose type is the same or <c>*</c>,
/// whose permissions include all requested letters, and whose filter is absent or the same; any other
/// scope (<c>openid</c>, <c>launch/patient</c>, …) must be registered exactly. Nothing else is granted.
/// </summary>
public static class ScopeGrant
{
    public static IReadOnlyList<string> Intersect(IEnumerable<string> requested, IEnumerable<string> registered)
    {
        var allowed = registered.ToList();
        var parsed = allowed.Select(SmartScope.Parse).OfType<SmartScope>().ToList();
        return requested.Distinct(StringComparer.Ordinal)
            .Where(scope => allowed.Contains(scope, StringComparer.Ordinal) || (SmartScope.Parse(scope) is { } want && parsed.Any(have => Covers(have, want))))
            .ToList();
    }

    private static bool Covers(SmartScope have, SmartScope want) =>
        have.Context == want.Context
        && (have.ResourceType == "*" || have.ResourceType == want.ResourceType)
        && want.Permissions.All(p => have.Permissions.Contains(p, StringComparison.Ordinal))
        && (have.Filter is null || have.Filter == want.Filter);
}
