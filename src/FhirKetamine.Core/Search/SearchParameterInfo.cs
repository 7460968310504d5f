using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Search;

/// <summary>
/// One search parameter as it applies to one resource type: the FHIRPath expression narrowed to that
/// type, and, where the definition says <c>.where(resolve() is Patient)</c>, the reference target type
/// the indexer keeps (resolve() needs the referenced resource, which the indexer does not load).
/// </summary>
public sealed record SearchParameterInfo(
    string ResourceType,
    string Name,
    SearchParamType Type,
    string Url,
    string Expression,
    IReadOnlyList<string> TargetTypes,
    string? ResolveIsType);
