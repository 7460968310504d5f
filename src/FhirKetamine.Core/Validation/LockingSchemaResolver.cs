using System.Collections.Concurrent;

using Firely.Fhir.Validation;

using Canonical = Firely.Fhir.Validation.Canonical;

namespace FhirKetamine.Core.Validation;

/// <summary>
/// The shared compiled-schema cache: hits are lock-free reads of the dictionary; a miss compiles under one
/// lock, so two threads never compile (and generate snapshots) at once (VALIDATION.md trap 3).
/// </summary>
internal sealed class LockingSchemaResolver(IElementSchemaResolver compiler, ConcurrentDictionary<Canonical, ElementSchema?> cache) : IElementSchemaResolver
{
    private readonly Lock _compile = new();

    public ElementSchema? GetSchema(Canonical schemaUri)
    {
        if (cache.TryGetValue(schemaUri, out var schema))
        {
            return schema;
        }

        lock (_compile)
        {
            return compiler.GetSchema(schemaUri);
        }
    }
}