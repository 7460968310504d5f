using System.Collections.Concurrent;

using Firely.Fhir.Validation;

using Canonical = Firely.Fhir.Validation.Canonical;

namespace FhirKetamine.Core.Validation;

/// <summary>
/// The shared compiled-schema cache: hits are lock-free reads of the dictionary; a miss compiles under one
/// lock, so two threads never compile (and generate snapshots) at once (VALIDATION.md trap 3). Each compiled
/// schema's reference checks are wrapped (<see cref="ReferenceTargets"/>) before it enters the cache, so no
/// thread ever sees a schema without them.
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

    /// <summary>Per schema URL: whether validating against it may read a reference's target (transitively).</summary>
    private readonly ConcurrentDictionary<string, bool> _readsTargets = new(StringComparer.Ordinal);

    public ElementSchema? GetSchema(Canonical schemaUri)
    {
        if (cache.TryGetValue(schemaUri, out var schema))
        {
            return schema;
        }

        lock (Compile)
        {
            if (cache.TryGetValue(schemaUri, out schema))
            {
                return schema;
            }

            var compiled = compiler.GetSchema(schemaUri);
            if (compiled is not null)
            {
                compiled = ReferenceTargets.Rewrite(compiled);
            }

            cache[schemaUri] = compiled;
            return compiled;
        }
    }

    /// <summary>
    /// Whether validating against <paramref name="url"/> may need a reference's target read from the store: one of its
    /// reference checks, or one of a schema it refers to, has a <c>targetProfile</c> beyond a core type. Core never does.
    /// </summary>
    public bool ReadsTargets(string url)
    {
        url = ReferenceTargets.WithoutVersion(url);
        if (ReferenceTargets.IsCoreType(url))
        {
            return false;
        }

        if (_readsTargets.TryGetValue(url, out var known))
        {
            return known;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([url]);
        var reads = false;
        while (!reads && pending.TryPop(out var next))
        {
            if (ReferenceTargets.IsCoreType(next) || !seen.Add(next))
            {
                continue;
            }

            ElementSchema? schema;
            try
            {
                schema = GetSchema(new Canonical(next));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                continue; // a schema that does not compile reads nothing; validation reports it
            }

            var references = new List<string>();
            reads = schema is not null && ReferenceTargets.ReadsTargets(schema, references);
            foreach (var reference in references)
            {
                pending.Push(reference);
            }
        }

        _readsTargets[url] = reads;
        return reads;
    }
}
