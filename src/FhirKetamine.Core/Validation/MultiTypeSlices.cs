using Firely.Fhir.Validation;

using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;

using Canonical = Firely.Fhir.Validation.Canonical;

namespace FhirKetamine.Core.Validation;

/// <summary>
/// Slices told apart by <c>type</c> or <c>profile</c> where a slice's nominated element lists several types
/// (<c>Bundle.entry:practitioners.resource</c> typed Practitioner and PractitionerRole). The spec puts no one-type limit on
/// such a slice (profiling.html#discriminator: "type: the slices are differentiated by type of the nominated element";
/// "profile: … by conformance of the nominated element to a specified profile"), and Java reads it as the element matching
/// the slice when it is any of the listed types (for <c>profile</c>: conforms to any of the listed types' profiles, a type
/// without profiles standing for its core definition). Firely's discriminator factory instead throws ("should navigate to an
/// ElementDefinition with exactly one 'type' element"), so the whole profile could not be used.
/// <para>
/// Firely's compiler has no hook for discriminators, so this is done in two steps. In the validator's copy of a profile
/// (<see cref="MarkPlaceholders"/>), such a discriminator becomes an <c>exists</c> discriminator on the same path (which
/// compiles, whatever the types), carrying its real type in an extension only this validator reads; the slices' own
/// elements are untouched, so what a slice requires of its elements is what the profile says. When the schema is compiled
/// (<see cref="Restore"/>, in <see cref="LockingSchemaResolver"/>), each slice's placeholder condition is replaced by the
/// real one, read from the generated snapshot: "the type label is one of these" or "conforms to one of these profiles". A
/// placeholder that cannot be replaced fails the compile, as the original discriminator did, rather than select wrongly.
/// Only discriminators where some slice's differential lists several types are rewritten; every other slicing compiles as
/// Firely compiles it.
/// </para>
/// </summary>
internal static class MultiTypeSlices
{
    /// <summary>The real type of a placeholder discriminator (an extension on the discriminator, in the validator's copy only).</summary>
    public const string PlaceholderUrl = "http://fhir-ketamine.org/fhir/StructureDefinition/validator-multi-type-discriminator";

    /// <summary>
    /// In <paramref name="sd"/> (the validator's copy), turns each <c>type</c>/<c>profile</c> discriminator for which a
    /// slice's differential lists several type codes at the nominated element into a marked <c>exists</c> placeholder (in
    /// the differential, and in the snapshot when there is one); false when there was none.
    /// </summary>
    public static bool MarkPlaceholders(StructureDefinition sd)
    {
        if (sd.Differential?.Element is not { Count: > 0 } differential || !differential.Any(e => e.Slicing?.Discriminator.Count > 0))
        {
            return false;
        }

        var marked = false;
        foreach (var slicing in differential.Where(e => e.Slicing?.Discriminator.Count > 0 && e.ElementId is not null).ToList())
        {
            foreach (var (discriminator, index) in slicing.Slicing!.Discriminator.Select((d, i) => (d, i)).ToList())
            {
                if (discriminator.Type is not (ElementDefinition.DiscriminatorType.Type or ElementDefinition.DiscriminatorType.Profile)
                    || discriminator.Path is not { } path || !IsPlainPath(path)
                    || !Slices(differential, slicing).Any(slice => Target(differential, slice, path) is { } target && Codes(target).Count > 1))
                {
                    continue;
                }

                foreach (var copy in new[] { slicing, sd.Snapshot?.Element.FirstOrDefault(e => e.ElementId == slicing.ElementId && e.Slicing?.Discriminator.Count > index) })
                {
                    if (copy?.Slicing?.Discriminator[index] is { } component && component.Path == path && component.Type == discriminator.Type)
                    {
                        component.SetExtension(PlaceholderUrl, new Code(discriminator.Type.Value.GetLiteral()));
                        component.Type = ElementDefinition.DiscriminatorType.Exists;
                    }
                }

                marked = true;
            }
        }

        return marked;
    }

    /// <summary>
    /// <paramref name="schema"/> (compiled from <paramref name="sd"/>, the definition with its snapshot) with every placeholder
    /// condition replaced by the real one; <paramref name="schema"/> itself when <paramref name="sd"/> has no placeholder.
    /// </summary>
    /// <exception cref="InvalidOperationException">A placeholder whose real condition cannot be read from the snapshot.</exception>
    public static ElementSchema Restore(ElementSchema schema, StructureDefinition? sd)
    {
        if (sd?.Snapshot?.Element is not { Count: > 0 } snapshot
            || !snapshot.Any(e => e.Slicing?.Discriminator.Any(d => d.GetExtension(PlaceholderUrl) is not null) == true))
        {
            return schema;
        }

        // Per slice (by element id): the placeholder paths and their real conditions.
        var conditions = new Dictionary<string, Dictionary<string, IAssertion>>(StringComparer.Ordinal);
        foreach (var slicing in snapshot.Where(e => e.ElementId is not null && e.Slicing?.Discriminator.Any(d => d.GetExtension(PlaceholderUrl) is not null) == true))
        {
            foreach (var discriminator in slicing.Slicing!.Discriminator.Where(d => d.GetExtension(PlaceholderUrl) is not null && d.Path is not null))
            {
                var type = (discriminator.GetExtension(PlaceholderUrl)!.Value as Code)?.Value;
                foreach (var slice in Slices(snapshot, slicing))
                {
                    if (Target(snapshot, slice, discriminator.Path!) is not { } target || Condition(type, target) is not { } condition)
                    {
                        throw new InvalidOperationException($"The {type} discriminator '{discriminator.Path}' at slice {slice.ElementId} of {sd.Url} names no element with a type to tell the slice by.");
                    }

                    if (!conditions.TryGetValue(slice.ElementId!, out var paths))
                    {
                        conditions[slice.ElementId!] = paths = new(StringComparer.Ordinal);
                    }

                    paths[discriminator.Path!] = condition;
                }
            }
        }

        var placeholders = conditions.Values.Sum(p => p.Count);
        var replaced = 0;
        var result = (ElementSchema)Replace(schema, conditions, ref replaced);
        return replaced >= placeholders ? result
            : throw new InvalidOperationException($"{placeholders - replaced} of {placeholders} slice conditions of {sd.Url} told apart by several types were not found in its compiled schema.");
    }

    private static IAssertion Replace(IAssertion assertion, IReadOnlyDictionary<string, Dictionary<string, IAssertion>> conditions, ref int replaced)
    {
        if (assertion is not IAssertionContainer container)
        {
            return assertion;
        }

        var count = 0;
        var rewritten = container.WithChildren((_, child) => Replace(child, conditions, ref count));
        replaced += count;
        if (rewritten is not SliceValidator slicing)
        {
            return rewritten;
        }

        var cases = new List<SliceValidator.SliceCase>();
        foreach (var c in slicing.Slices)
        {
            var condition = c.Condition;
            if (c.Assertion is ElementSchema schema && SchemaId(schema) is ['#', .. var elementId] && conditions.TryGetValue(elementId, out var paths))
            {
                var local = 0;
                condition = SliceConditions.MapSelectors(condition, selector => ReplaceSelector(selector, paths, ref local));
                replaced += local;
            }

            cases.Add(new SliceValidator.SliceCase(c.Name, condition, c.Assertion, c.Required));
        }

        return new SliceValidator(slicing.Ordered, slicing.DefaultAtEnd, slicing.Default, cases, slicing.MultiCase);
    }

    /// <summary>A compiled element's schema id (<c>#</c> and its element id; Firely keeps <c>Id</c> internal, its JSON form states it).</summary>
    private static string? SchemaId(ElementSchema schema) => (schema.ToJson() as Newtonsoft.Json.Linq.JObject)?["id"]?.ToString();

    private static IAssertion ReplaceSelector(PathSelectorValidator selector, IReadOnlyDictionary<string, IAssertion> paths, ref int replaced)
    {
        if (selector.Other is CardinalityValidator && paths.TryGetValue(selector.Path, out var condition))
        {
            replaced++;
            return new PathSelectorValidator(selector.Path, condition);
        }

        return selector;
    }

    /// <summary>
    /// What an element at the nominated place must be to be in the slice: one of the type labels (<c>type</c>), or
    /// conforming to one of the types' profiles, a type without profiles standing for its core definition (<c>profile</c>).
    /// </summary>
    private static IAssertion? Condition(string? discriminatorType, ElementDefinition target)
    {
        var codes = Codes(target);
        IAssertion[] alternatives = discriminatorType switch
        {
            "type" => [.. codes.Select(code => new FhirTypeLabelValidator(code))],
            "profile" => [.. target.Type.Where(t => t.Code is not null)
                .SelectMany(t => t.Profile.Any() ? t.Profile : [t.Code!.Contains(':', StringComparison.Ordinal) ? t.Code : "http://hl7.org/fhir/StructureDefinition/" + t.Code])
                .Distinct(StringComparer.Ordinal)
                .Select(url => new SchemaReferenceValidator(new Canonical(url!)))],
            _ => [],
        };
        return alternatives.Length switch
        {
            0 => null,
            1 => alternatives[0],
            _ => new AnyValidator(alternatives),
        };
    }

    /// <summary>A discriminator path this rewrite reads: <c>$this</c>, or child names (no functions, no <c>resolve()</c>).</summary>
    private static bool IsPlainPath(string path) =>
        path == "$this" || path.Split('.').All(name => name.Length > 0 && name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '[' or ']'));

    /// <summary>The direct slices of <paramref name="slicing"/> (their ids are its id, a colon and the slice name).</summary>
    private static IEnumerable<ElementDefinition> Slices(IEnumerable<ElementDefinition> elements, ElementDefinition slicing) =>
        elements.Where(e => e.SliceName is { } name && e.Path == slicing.Path && e.ElementId == slicing.ElementId + ":" + name);

    /// <summary>The element a discriminator path names inside a slice, by element id.</summary>
    private static ElementDefinition? Target(IEnumerable<ElementDefinition> elements, ElementDefinition slice, string path) =>
        path == "$this" ? slice : elements.FirstOrDefault(e => e.ElementId == slice.ElementId + "." + path);

    private static List<string> Codes(ElementDefinition element) =>
        element.Type.Select(t => t.Code).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
}
