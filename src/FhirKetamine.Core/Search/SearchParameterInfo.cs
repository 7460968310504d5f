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
    string? ResolveIsType)
{
    /// <summary>
    /// A token parameter some of whose values are Identifiers (<c>Patient.identifier</c>): those take <c>:of-type</c>,
    /// indexed under <see cref="OfTypeIndexName"/>.
    /// </summary>
    public bool OfIdentifiers { get; init; }

    /// <summary>
    /// A reference parameter some of whose values are Reference elements (not canonicals): those take <c>:identifier</c>,
    /// their <c>Reference.identifier</c> indexed under <see cref="IdentifierIndexName"/>.
    /// </summary>
    public bool OfReferences { get; init; }

    /// <summary>
    /// A composite's component expressions, relative to each element its <see cref="Expression"/> selects
    /// (token$quantity: <c>code</c>, <c>value.as(Quantity)</c>); empty for other types.
    /// </summary>
    public IReadOnlyList<string> Components { get; init; } = [];

    /// <summary>A composite's component types, in order (a token, then a token, quantity, string or date); empty for other types.</summary>
    public IReadOnlyList<SearchParamType> ComponentTypes { get; init; } = [];

    /// <summary>The type of a composite's second component: where its rows are (quantity: search_token_quantity; else search_composite).</summary>
    public SearchParamType? CompositeValueType => ComponentTypes is [_, var second] ? second : null;

    /// <summary>The token rows of <c>:of-type</c>: System is the identifier type's system, Code is <c>typeCode|value</c>.</summary>
    public string OfTypeIndexName => Name + ":of-type";

    /// <summary>The token rows of <c>:identifier</c>: a Reference.identifier's system and value.</summary>
    public string IdentifierIndexName => Name + ":identifier";

    /// <summary>
    /// The string rows of the second and later words of a value (<c>Carreno Quinones</c> → <c>quinones</c>), which the
    /// default string match also reads, so that each part of a name or address line matches on its own (R4 search.html#string).
    /// </summary>
    public string PartIndexName => PartIndexNameOf(Name);

    public static string PartIndexNameOf(string name) => name + ":part";
}
