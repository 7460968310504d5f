using System.Runtime.CompilerServices;

using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Validation;

/// <summary>
/// The canonical URLs of the ValueSets a validation context knows (core R4 and the custom ones) that are not
/// also a CodeSystem's URL: a <c>Coding.system</c> naming one of them names a value set, not a code system.
/// Built once per core specification and once per context (a context is immutable), then a hash lookup.
/// </summary>
internal static class ValueSetUrls
{
    private static readonly ConditionalWeakTable<CoreSpecification, Tuple<HashSet<string>, HashSet<string>>> CoreSets = new();
    private static readonly ConditionalWeakTable<ValidationContext, HashSet<string>> ContextSets = new();

    /// <summary>Whether <paramref name="url"/> is a known ValueSet's canonical (and no known CodeSystem's).</summary>
    public static Func<string, bool> Of(ValidationContext context) => ContextSets.GetValue(context, Build).Contains;

    private static HashSet<string> Build(ValidationContext context)
    {
        var (coreValueSets, coreCodeSystems) = CoreSets.GetValue(context.Core, core => Tuple.Create(
            core.CanonicalsOf("ValueSet").ToHashSet(StringComparer.Ordinal), core.CanonicalsOf("CodeSystem").ToHashSet(StringComparer.Ordinal)));
        var custom = context.Custom.Values.Select(c => c.Resource).ToList();
        var codeSystems = CodeSystems(custom);
        codeSystems.UnionWith(coreCodeSystems);
        var valueSets = ValueSets(custom);
        valueSets.UnionWith(coreValueSets);
        valueSets.ExceptWith(codeSystems);
        return valueSets;
    }

    private static HashSet<string> ValueSets(IEnumerable<Resource> resources) =>
        resources.OfType<ValueSet>().Select(r => r.Url).OfType<string>().ToHashSet(StringComparer.Ordinal);

    private static HashSet<string> CodeSystems(IEnumerable<Resource> resources) =>
        resources.OfType<CodeSystem>().Select(r => r.Url).OfType<string>().ToHashSet(StringComparer.Ordinal);
}
