using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Validation;

/// <summary>
/// A StructureDefinition, ValueSet, CodeSystem or ImplementationGuide (for its global profiles) the validator knows besides core R4, keyed by
/// <c>Type/id</c>; <see cref="Fingerprint"/> is its JSON without <c>meta</c>, so storing a resource the
/// validator already has (the IG package at every start) rebuilds nothing.
/// </summary>
internal sealed record ConformanceResource(string Key, Resource Resource, string Fingerprint)
{
    public static readonly IReadOnlySet<string> Types = new HashSet<string>(StringComparer.Ordinal)
    {
        "StructureDefinition", "ValueSet", "CodeSystem", "ImplementationGuide",
    };

    public static bool IsConformance(string? type) => type is not null && Types.Contains(type);

    public static ConformanceResource Of(Resource resource, Func<Resource, string> toJson)
    {
        var copy = (Resource)resource.DeepCopy();
        copy.Meta = null;
        return new ConformanceResource($"{resource.TypeName}/{resource.Id}", resource, toJson(copy));
    }
}