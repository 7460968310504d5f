namespace FhirKetamine.Core.Search;

/// <summary>
/// One AND term of a search: a parameter (with its modifier) and its comma-separated OR values.
/// <see cref="Parameter"/> is null for the parameters every resource has (<c>_id</c>, <c>_lastUpdated</c>),
/// which are columns of the resource row rather than index rows, and for <c>_has</c>.
/// A chained clause (<c>subject:Patient.name=x</c>) carries its <see cref="Chain"/>: the reference parameter
/// is <see cref="Parameter"/>, and the values belong to the innermost clause of the chain.
/// </summary>
public sealed record SearchClause(string Name, string? Modifier, SearchParameterInfo? Parameter, IReadOnlyList<string> Values)
{
    /// <summary>For <c>ref[:Type].param</c>: the types the reference may point to and the clause they must match.</summary>
    public ChainStep? Chain { get; init; }

    /// <summary>For <c>_has:Type:ref:param</c>: resources of Type whose <c>ref</c> points here and that match the clause.</summary>
    public HasStep? Has { get; init; }

    /// <summary>
    /// For token <c>:in</c>/<c>:not-in</c>: the codes of the named ValueSets, filled by <see cref="SearchValueSets.ResolveAsync"/>
    /// before the query is built (an expansion is asynchronous; building a query is not).
    /// </summary>
    public ValueSetCodes? ValueSet { get; set; }

    /// <summary>The parameter as the client wrote it (for links and messages).</summary>
    public string RawName => Chain is { } chain ? $"{Name}{(Modifier is null ? string.Empty : ":" + Modifier)}.{chain.Targets.Values.First().RawName}"
        : Has is { } has ? $"_has:{has.SourceType}:{has.ReferenceParameter.Name}:{has.Inner.RawName}"
        : Modifier is null ? Name : $"{Name}:{Modifier}";
}

/// <summary>One link of a forward chain: for each type the reference may point to, the clause that target must match.</summary>
public sealed record ChainStep(IReadOnlyDictionary<string, SearchClause> Targets);

/// <summary>Reverse chaining: a resource of <see cref="SourceType"/> refers here by <see cref="ReferenceParameter"/> and matches <see cref="Inner"/>.</summary>
public sealed record HasStep(string SourceType, SearchParameterInfo ReferenceParameter, SearchClause Inner);
