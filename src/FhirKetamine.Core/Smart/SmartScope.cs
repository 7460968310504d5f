namespace FhirKetamine.Core.Smart;

/// <summary>
/// One SMART resource scope, v1 (<c>patient/Observation.read</c>) or v2 (<c>system/Observation.rs</c>),
/// normalised to v2 permission letters, with its granular v2 filter (<c>?category=…</c>, <c>?code=…</c>), which
/// reads and searches enforce as search predicates (<see cref="ScopeBounds"/>).
/// </summary>
public sealed record SmartScope(string Context, string ResourceType, string Permissions, string? Filter)
{
    public static SmartScope? Parse(string scope)
    {
        var slash = scope.IndexOf('/', StringComparison.Ordinal);
        var dot = scope.LastIndexOf('.', scope.IndexOf('?', StringComparison.Ordinal) is var q and >= 0 ? q : scope.Length - 1);
        if (slash <= 0 || dot <= slash)
        {
            return null;
        }

        var context = scope[..slash];
        if (context is not ("patient" or "user" or "system"))
        {
            return null;
        }

        var type = scope[(slash + 1)..dot];
        var rest = scope[(dot + 1)..];
        string? filter = null;
        if (rest.IndexOf('?', StringComparison.Ordinal) is var at and >= 0)
        {
            filter = rest[(at + 1)..];
            rest = rest[..at];
        }

        var permissions = rest switch
        {
            "read" => "rs",
            "write" => "cud",
            "*" => "cruds",
            _ when rest.Length > 0 && rest.All(c => "cruds".Contains(c, StringComparison.Ordinal)) => rest,
            _ => null,
        };
        return permissions is null ? null : new SmartScope(context, type, permissions, filter);
    }

    /// <summary>
    /// True when this scope grants <paramref name="permission"/> on <paramref name="resourceType"/> unconditionally.
    /// A granular v2 scope (<c>?category=…</c>) does not: it grants only the resources matching its filter, which
    /// the search engine enforces (<see cref="ScopeBounds"/>); callers that cannot apply it treat it as nothing.
    /// </summary>
    public bool Allows(string resourceType, char permission) => Filter is null && Grants(resourceType, permission);

    /// <summary>True when this scope grants <paramref name="permission"/> on some or all resources of <paramref name="resourceType"/>.</summary>
    public bool Grants(string resourceType, char permission) =>
        (ResourceType == "*" || ResourceType == resourceType)
        && Permissions.Contains(permission, StringComparison.Ordinal);
}
