using System.Collections.Concurrent;

using Firely.Fhir.Validation;

using Canonical = Firely.Fhir.Validation.Canonical;

namespace FhirKetamine.Core.Validation;

/// <summary>
/// The shared compiled-schema cache: hits are lock-free reads of the dictionary; a miss compiles under one
/// lock, so two threads never compile (and generate snapshots) at once (VALIDATION.md trap 3). Each compiled
/// schema's slices told apart by several types get their real conditions (<see cref="MultiTypeSlices"/>, reading the
/// definition through <c>definitions</c>), its reference checks are wrapped (<see cref="ReferenceTargets"/>), and its slice selectors made to share one
/// FHIRPath cache (<see cref="SharedSliceSelectors"/>), before it enters the cache, so no thread ever sees a schema without them.
/// <para>
/// The lock is process-wide, not per context: every context compiles from the same core R4 StructureDefinition
/// instances (<see cref="CoreSpecification"/>), and compiling annotates them. Two contexts compiling at once (a
/// profile change building the next context while requests still use the current one, or several servers in one
/// test process) failed with "Failed to convert ElementDefinition at id in profile …/id: Object reference not set
/// to an instance of an object".
/// </para>
/// </summary>
internal sealed class LockingSchemaResolver(IElementSchemaResolver compiler, ConcurrentDictionary<Canonical, ElementSchema?> cache, Func<string, Hl7.Fhir.Model.StructureDefinition?>? definitions = null) : IElementSchemaResolver
{
    private static readonly Lock Compile = new();

    /// <summary>Per schema URL: where validating against it may read a reference's target (<see cref="ReadingPaths"/>).</summary>
    private readonly ConcurrentDictionary<string, IReadOnlyList<string[]>?> _readingPaths = new(StringComparer.Ordinal);

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
                if (definitions is not null && compiled is FhirSchema)
                {
                    compiled = MultiTypeSlices.Restore(compiled, definitions(schemaUri.ToString()));
                }

                compiled = SharedSliceSelectors.Rewrite(ReferenceTargets.Rewrite(SliceConditions.Rewrite(compiled)));
            }

            cache[schemaUri] = compiled;
            return compiled;
        }
    }

    /// <summary>
    /// Where in an instance validating against <paramref name="url"/> may read a reference's target: the element
    /// paths of its reference checks whose <c>targetProfile</c> is more than a core type (empty: nowhere, as for every
    /// core definition); null when such a check is in a schema it refers to (an extension, a data type profile) or in
    /// a subschema, whose place in the instance is not known here.
    /// </summary>
    public IReadOnlyList<string[]>? ReadingPaths(string url)
    {
        url = ReferenceTargets.WithoutVersion(url);
        if (ReferenceTargets.IsCoreType(url))
        {
            return [];
        }

        if (_readingPaths.TryGetValue(url, out var known))
        {
            return known;
        }

        // The root schema's checks have known paths; a check anywhere in a schema it refers to (or in a subschema) does not.
        List<string[]>? result = [];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<(string Url, bool Root)>([(url, true)]);
        while (result is not null && pending.TryPop(out var next))
        {
            if ((!next.Root && ReferenceTargets.IsCoreType(next.Url)) || !seen.Add(next.Url) || Schema(next.Url) is not { } schema)
            {
                continue;
            }

            var paths = new List<string[]?>();
            var references = new List<string>();
            ReferenceTargets.ReadingPaths(schema, paths, references);
            if ((!next.Root && paths.Count > 0) || paths.Any(p => p is null))
            {
                result = null;
                break;
            }

            result.AddRange(paths.OfType<string[]>());
            foreach (var reference in references)
            {
                pending.Push((reference, false));
            }
        }

        _readingPaths[url] = result;
        return result;
    }

    private ElementSchema? Schema(string url)
    {
        try
        {
            return GetSchema(new Canonical(url));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return null; // a schema that does not compile reads nothing; validation reports it
        }
    }
}
