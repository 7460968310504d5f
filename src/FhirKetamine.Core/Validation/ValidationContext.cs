using System.Collections.Concurrent;

using FhirKetamine.Core.Search;

using Firely.Fhir.Validation;
using Firely.Fhir.Validation.Compilation;

using Hl7.Fhir.Model;
using Hl7.Fhir.Specification.Source;
using Hl7.Fhir.Specification.Terminology;
using Hl7.Fhir.Utility;

using Canonical = Firely.Fhir.Validation.Canonical;

namespace FhirKetamine.Core.Validation;

/// <summary>
/// One immutable validation stack ("A construction that worked", VALIDATION.md): core R4 in memory, the
/// custom conformance resources, snapshots generated one at a time, a cached resolver, local terminology,
/// a shared compiled-schema cache locking on a miss, and the content rules. A change of profiles builds a
/// new context and swaps it in whole (trap 5): schemas of dependants are never stale.
/// </summary>
internal sealed class ValidationContext
{
    private readonly ConcurrentDictionary<Canonical, ElementSchema?> _schemaCache;

    private ValidationContext(CoreSpecification core, IReadOnlyDictionary<string, ConformanceResource> custom, ValidationContext? previous, UcumCanonicalizer? ucum)
    {
        Core = core;
        Ucum = ucum ?? previous?.Ucum;
        Custom = custom;
        // ValueSets are copied: the expander writes each expansion into the instance, and a copy kept from an older
        // context would keep an expansion made before a CodeSystem or ValueSet it includes was changed. So are
        // StructureDefinitions: a snapshot generated here (for a profile posted without one) is generated against this
        // context's base profiles and must not reach the next context through a shared instance.
        StructureDefinition? CustomProfile(string url) =>
            custom.Values.Select(c => c.Resource).OfType<StructureDefinition>().LastOrDefault(sd => sd.Url == url);
        var customResolver = new InMemoryResourceResolver(custom.Values.Select(c => c.Resource is ValueSet or StructureDefinition ? ValidatorCopy(c.Resource, core, CustomProfile) : c.Resource));

        // Core first: an uploaded resource cannot shadow a core definition, so compiled core schemas stay valid across
        // contexts. Core's own snapshots are used as HL7 ships them and never regenerated (MissingSnapshotSource): the
        // core instances are shared by every context of the process.
        Resolver = new CachedResolver(new SerializedResolver(new MissingSnapshotSource(new MultiResolver(core.Resolver, customResolver))));
        // What LocalTerminologyService.CreateDefaultForCore builds, keeping the local service: the terminology
        // operations ($expand, $validate-code, $lookup) answer from this same service and resolver.
        LocalTerminology = new LocalTerminologyService(Resolver);
        Terminology = new MultiTerminologyService(
            new TerminologyServiceRoutingSettings(new MimeTypeTerminologyService()) { PreferredValueSets = [MimeTypeTerminologyService.MIMETYPE_VALUESET_R4_AND_UP] },
            new TerminologyServiceRoutingSettings(new LanguageTerminologyService()) { PreferredValueSets = [LanguageTerminologyService.LANGUAGE_VALUESET] },
            new TerminologyServiceRoutingSettings(LocalTerminology) { PreferredValueSets = ["http://hl7.org/fhir/ValueSet/*"] });
        _schemaCache = new ConcurrentDictionary<Canonical, ElementSchema?>(previous?.CoreSchemas() ?? []);
        Schemas = new LockingSchemaResolver(StructureDefinitionToElementSchemaResolver.Create(Resolver, Ucum is null ? [new DefinitionRules()] : [new DefinitionRules(), new UcumLimits(Ucum)]), _schemaCache,
            url => core.StructureDefinitionUrls.Contains(url) ? null : TaskHelper.Await(() => Resolver.ResolveByCanonicalUriAsync(url)) as StructureDefinition);
        Profiles = custom.Values.Select(c => c.Resource).OfType<StructureDefinition>()
            .Where(sd => sd.Url is not null)
            .GroupBy(sd => sd.Url!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        Selector = ProfileSelector.From(Profiles.Values);
        Globals = custom.Values.Select(c => c.Resource).OfType<ImplementationGuide>()
            .SelectMany(ig => ig.Global)
            .Where(g => g.Type is not null && g.Profile is { Length: > 0 })
            .GroupBy(g => g.Type!.Value.GetLiteral(), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(x => x.Profile!).Distinct(StringComparer.Ordinal).ToArray(), StringComparer.Ordinal);
        _valueSetUrls = new Lazy<HashSet<string>>(() => ValueSetUrlsOf(core, custom.Values.Select(c => c.Resource)));
    }

    /// <summary>
    /// The validator's own copy of a ValueSet or StructureDefinition: an extension's R5 abstract-type context read for R4
    /// (<see cref="ExtensionContexts"/>); a profile without <c>abstract</c> (1..1, but minimal profiles leave it out, and
    /// Firely's schema compiler then fails on it) read as not abstract, as Java reads it; a differential out of the base's
    /// order, and elements under a choice of several types, read as Java reads them (<see cref="DifferentialOrder"/>,
    /// <see cref="UntypedChoiceChildren"/>); a type profile naming one element of a profile read as that element
    /// (<see cref="ProfileElements"/>); a type or profile discriminator whose slices list several types made compilable
    /// (<see cref="MultiTypeSlices"/>).
    /// </summary>
    private static Resource ValidatorCopy(Resource resource, CoreSpecification core, Func<string, StructureDefinition?> customProfile)
    {
        var copy = (Resource)resource.DeepCopy();
        if (copy is StructureDefinition sd)
        {
            if (ExtensionContexts.NamesR5AbstractType(sd))
            {
                ExtensionContexts.ExpandR5AbstractTypes(sd);
            }

            if (ProfileElements.Names(sd))
            {
                ProfileElements.Inline(sd, customProfile);
            }

            MultiTypeSlices.MarkPlaceholders(sd);
            sd.Abstract ??= false;
            if (sd.Snapshot is not { Element.Count: > 0 } && sd.Derivation == StructureDefinition.TypeDerivationRule.Constraint && sd.BaseDefinition is { } baseUrl
                && core.StructureDefinitionUrls.Contains(baseUrl))
            {
                var baseSnapshot = (core.Resolver.ResolveByCanonicalUri(baseUrl) as StructureDefinition)?.Snapshot?.Element;
                DifferentialOrder.DropUnknown(sd, baseSnapshot);
                DifferentialOrder.DropMisplaced(sd, baseSnapshot);
                UntypedChoiceChildren.Drop(sd, baseSnapshot);
            }
        }

        return copy;
    }

    public CoreSpecification Core { get; }

    /// <summary>UCUM conversion for Quantity limits (<see cref="UcumLimits"/>); null: same-unit limits only.</summary>
    public UcumCanonicalizer? Ucum { get; }

    public IReadOnlyDictionary<string, ConformanceResource> Custom { get; }

    public CachedResolver Resolver { get; }

    /// <summary>The terminology the validator checks bindings with (local, plus the implicit MIME type and language ValueSets).</summary>
    public ITerminologyService Terminology { get; }

    /// <summary>The ValueSet expander and code validator over <see cref="Resolver"/>: core R4, the IG and the API's ValueSets and CodeSystems.</summary>
    public LocalTerminologyService LocalTerminology { get; }

    public LockingSchemaResolver Schemas { get; }

    /// <summary>The custom StructureDefinitions by canonical URL.</summary>
    public IReadOnlyDictionary<string, StructureDefinition> Profiles { get; }

    public ProfileSelector Selector { get; }

    /// <summary>
    /// The global profiles of the ImplementationGuides this server has (<c>ImplementationGuide.global</c>: every resource of
    /// the type conforms to the profile), by resource type.
    /// </summary>
    public IReadOnlyDictionary<string, string[]> Globals { get; }

    public int CompiledSchemas => _schemaCache.Count;

    /// <summary>
    /// Whether <paramref name="url"/> is the canonical of a ValueSet this context knows (core or custom) and of no
    /// CodeSystem: a <c>Coding.system</c> naming one names a value set, not a code system.
    /// </summary>
    public bool IsValueSetUrl(string url) => _valueSetUrls.Value.Contains(url);

    private readonly Lazy<HashSet<string>> _valueSetUrls;

    private static HashSet<string> ValueSetUrlsOf(CoreSpecification core, IEnumerable<Resource> custom)
    {
        var resources = custom.ToList();
        var valueSets = core.CanonicalsOf("ValueSet").Concat(resources.OfType<ValueSet>().Select(r => r.Url).OfType<string>()).ToHashSet(StringComparer.Ordinal);
        valueSets.ExceptWith(core.CanonicalsOf("CodeSystem").Concat(resources.OfType<CodeSystem>().Select(r => r.Url).OfType<string>()));
        return valueSets;
    }

    public static ValidationContext Build(CoreSpecification core, IEnumerable<ConformanceResource> custom, ValidationContext? previous = null, UcumCanonicalizer? ucum = null) =>
        new(core, custom.GroupBy(c => c.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal), previous, ucum);

    /// <summary>This context with one conformance resource added, replaced or (when null) removed.</summary>
    public ValidationContext With(string key, ConformanceResource? changed)
    {
        var custom = Custom.Values.Where(c => c.Key != key).ToList();
        if (changed is not null)
        {
            custom.Add(changed);
        }

        return Build(Core, custom, this);
    }

    /// <summary>Whether a canonical (optionally <c>|version</c>) names a StructureDefinition this context knows.</summary>
    public bool Knows(string canonical)
    {
        var url = canonical.Split('|')[0];
        return Core.StructureDefinitionUrls.Contains(url) || Profiles.ContainsKey(url);
    }

    private IEnumerable<KeyValuePair<Canonical, ElementSchema?>> CoreSchemas() =>
        _schemaCache.Where(e => e.Value is not null && Core.StructureDefinitionUrls.Contains(e.Key.Uri ?? string.Empty)).ToList();
}