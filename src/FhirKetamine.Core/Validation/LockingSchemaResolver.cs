using System.Collections.Concurrent;

using Firely.Fhir.Validation;

using Canonical = Firely.Fhir.Validation.Canonical;

namespace FhirKetamine.Core.Validation;

/// <summary>
/// The shared compiled-schema cache: hits are lock-free reads of the dictionary; a miss compiles under one
/// lock, so two threads never compile (and generate snapshots) at once (VALIDATION.md trap 3).
/// <para>
/// The lock is process-wide, not per context: every context compiles from the same core R4 StructureDefinition
/// instances (<see cref="CoreSpecification"/>), and compiling annotates them. Two contexts compiling at once (a
/// profile change building the next context while requests still use the current one, or several servers in one
/// test process) failed with "Failed to convert ElementDefinition at id in profile …/id: Object reference not set
/// to an instance of an object".
/// </para>
/// </summary>
internal sealed class LockingSchemaResolver(IElementSchemaResolver compiler, ConcurrentDictionary<Canonical, ElementSchema?> cache) : IElementSchemaResolver
{
    private static readonly Lock Compile = new();

    public ElementSchema? GetSchema(Canonical schemaUri)
    {
        if (cache.TryGetValue(schemaUri, out var schema))
        {
            return schema;
        }

        lock (Compile)
        {
            return compiler.GetSchema(schemaUri);
        }
    }
}