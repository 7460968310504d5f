using FhirKetamine.Core.Smart;

namespace FhirKetamine.Core.Export;

/// <summary>
/// What a Bulk Data caller may export: the types its <c>system/</c> or <c>user/</c> scopes let it read
/// (<c>system/Observation.rs</c> exports Observations only). Patient-context scopes reach one patient's
/// compartment and never a bulk export; granular scopes (<c>?category=…</c>) grant nothing yet (see
/// <see cref="SmartScope.Allows"/>).
/// </summary>
public static class ExportScopes
{
    public static bool CanReadAnything(IEnumerable<SmartScope> scopes) =>
        Usable(scopes).Any(s => s.Filter is null && s.Permissions.Contains('r', StringComparison.Ordinal));

    public static bool CanRead(IEnumerable<SmartScope> scopes, string type) =>
        Usable(scopes).Any(s => s.Allows(type, 'r'));

    /// <summary>The scopes as a space-separated string, to store with a job and parse again when it runs.</summary>
    public static string Format(IEnumerable<SmartScope> scopes) =>
        string.Join(' ', scopes.Select(s => $"{s.Context}/{s.ResourceType}.{s.Permissions}" + (s.Filter is null ? string.Empty : "?" + s.Filter)));

    public static IReadOnlyList<SmartScope> Parse(string scopes) => SmartAccess.FromScopeString(null, null, null, scopes).Scopes;

    private static IEnumerable<SmartScope> Usable(IEnumerable<SmartScope> scopes) => scopes.Where(s => s.Context is "system" or "user");
}