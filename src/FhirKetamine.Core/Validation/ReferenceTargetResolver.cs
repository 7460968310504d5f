using System.Collections.Concurrent;

using Firely.Fhir.Validation;

using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Validation;

/// <summary>
/// Reads the targets of references from this server's store, for one validation (each target once). Firely asks for
/// every reference it cannot resolve inside the instance; this answers only while a reference whose
/// <c>targetProfile</c> is more than a core type is being checked (<see cref="ReferenceTargets.MayRead"/>), and only
/// for RESTful references to this server (<c>Type/id</c>, or this server's base followed by it). A circle of references
/// back to the resource being validated ends there: it is not read (its stored version is the one it replaces).
/// </summary>
internal sealed class ReferenceTargetResolver(IConformanceStore store, Resource root, string? baseUrl, CancellationToken ct) : IExternalReferenceResolver
{
    /// <summary>At most this many reads per validation: a chain of profiled references cannot make a write read the whole store.</summary>
    public const int MaxReads = 20;

    private readonly ConcurrentDictionary<string, Task<Resource?>> _read = new(StringComparer.Ordinal);

    /// <summary>The references this resolver declined (not its to read) or did not find, whose "Cannot resolve" issue is noise.</summary>
    public ConcurrentDictionary<string, bool> Declined { get; } = new(StringComparer.Ordinal);

    public async Task<object?> ResolveAsync(string reference)
    {
        if (!ReferenceTargets.MayRead || Local(reference) is not { } key)
        {
            Declined[reference] = true;
            return null;
        }

        if (key == $"{root.TypeName}/{root.Id}")
        {
            // The resource being validated, reached back through a circle of references: it is being validated
            // already, and its stored version is the one it replaces.
            Declined[reference] = true;
            return null;
        }

        if (!_read.ContainsKey(key) && _read.Count >= MaxReads)
        {
            Declined[reference] = true;
            return null;
        }

        var parts = key.Split('/');
        var target = await _read.GetOrAdd(key, _ => store.ReadAsync(parts[0], parts[1], ct));
        if (target is null)
        {
            // Not stored (yet): nothing to check against the profile. Referential integrity is not the validator's
            // rule here (a transaction or a device may write the target later), so this stays silent, as before.
            Declined[reference] = true;
        }

        return target;
    }

    /// <summary><c>Type/id</c> of a versionless RESTful reference to this server; null otherwise.</summary>
    private string? Local(string reference)
    {
        if (baseUrl is { Length: > 0 } && reference.StartsWith(baseUrl.TrimEnd('/') + "/", StringComparison.Ordinal))
        {
            reference = reference[(baseUrl.TrimEnd('/').Length + 1)..];
        }

        var parts = reference.Split('/');
        return parts.Length == 2 && ReferenceTargets.ImpliedType(reference) is not null && Hl7.Fhir.Model.Id.IsValidValue(parts[1])
            ? reference
            : null;
    }
}
