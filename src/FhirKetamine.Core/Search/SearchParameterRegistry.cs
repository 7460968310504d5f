using System.Collections.Frozen;
using System.Text.RegularExpressions;
using Hl7.Fhir.FhirPath;
using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;
using Hl7.FhirPath;

namespace FhirKetamine.Core.Search;

/// <summary>
/// The search parameters the server indexes and answers, built from the R4 core SearchParameter
/// definitions that ship with the Firely SDK (their FHIRPath expressions, evaluated at write time), plus the
/// SearchParameter resources stored on the server (the IG package's, and any written through the REST API:
/// <see cref="Changed"/>). A singleton: the CapabilityStatement, the indexer and the query parser all read this
/// one table, an immutable snapshot swapped whole when a stored SearchParameter changes, so a reader (an
/// in-flight search or write) sees either the old table or the new one, never half of a change.
/// </summary>
public sealed partial class SearchParameterRegistry
{
    /// <summary>
    /// The parameter types the engine indexes and answers, besides the two-part composites (<see cref="IsIndexedComposite"/>).
    /// Other composites and the special parameters (<c>near</c>, <c>_text</c>) are left out, and so left out of the
    /// CapabilityStatement: there is no text index, and no composite of three parts or of a number or Range.
    /// </summary>
    public static readonly FrozenSet<SearchParamType> IndexedTypes = new[]
    {
        SearchParamType.Number, SearchParamType.Date, SearchParamType.String, SearchParamType.Token,
        SearchParamType.Reference, SearchParamType.Quantity, SearchParamType.Uri,
    }.ToFrozenSet();

    private readonly FrozenDictionary<string, FrozenDictionary<string, SearchParameterInfo>> _core;

    // The current table: core overlaid with the stored parameters. Replaced whole (never mutated) under _gate.
    private FrozenDictionary<string, FrozenDictionary<string, SearchParameterInfo>> _byType;

    private readonly Lock _gate = new();

    // The stored SearchParameters by resource id: the newest version handed over, and what it adds (empty when
    // it was deleted, is retired or cannot be indexed). Only under _gate.
    private readonly Dictionary<string, (int Version, IReadOnlyList<SearchParameterInfo> Parameters)> _stored = new(StringComparer.Ordinal);

    /// <summary>
    /// Every core parameter of an indexed type. Reference parameters among them also carry compartment
    /// membership and the resources a record points to (<c>Patient/$everything</c> reads those rows).
    /// </summary>
    public SearchParameterRegistry()
        : this(ModelInfo.SearchParameters.Where(p => IndexedTypes.Contains(p.Type) || IsIndexedComposite(p)).Concat(MetaParameters()))
    {
    }

    /// <summary>The type of each core SearchParameter by canonical URL, to read what a composite is made of.</summary>
    private static readonly FrozenDictionary<string, SearchParamType> TypeByUrl = ModelInfo.SearchParameters
        .Where(p => p.Url is not null).GroupBy(p => p.Url!, StringComparer.Ordinal)
        .ToFrozenDictionary(g => g.Key, g => g.First().Type, StringComparer.Ordinal);

    /// <summary>The types a composite's second component may have, its first being a token.</summary>
    internal static readonly FrozenSet<SearchParamType> CompositeValueTypes = new[]
    {
        SearchParamType.Token, SearchParamType.Quantity, SearchParamType.String, SearchParamType.Date,
    }.ToFrozenSet();

    /// <summary>
    /// A composite of a token and a token, quantity, string or date (R4 core: <c>code-value-quantity</c>,
    /// <c>component-code-value-quantity</c>, <c>combo-code-value-quantity</c>, <c>code-value-concept</c>,
    /// <c>component-code-value-concept</c>, <c>combo-code-value-concept</c>, <c>code-value-date</c>, <c>code-value-string</c>,
    /// <c>context-type-value</c> on the 24 canonical types, Group <c>characteristic-value</c>): indexed as pairs taken from one
    /// element, so the code and the value correlate. Not indexed, so not in the CapabilityStatement: those whose quantity
    /// may also be a Range (<c>context-type-quantity</c>), DocumentReference <c>relationship</c> (reference$token), and
    /// MolecularSequence's four coordinates (three parts, with numbers).
    /// </summary>
    internal static bool IsIndexedComposite(SearchParamDefinition p) =>
        p.Type == SearchParamType.Composite && p.Component is [var token, var value]
        && token.Definition is { } tokenUrl && TypeByUrl.GetValueOrDefault(tokenUrl) == SearchParamType.Token
        && value.Definition is { } valueUrl && TypeByUrl.TryGetValue(valueUrl, out var valueType) && CompositeValueTypes.Contains(valueType)
        && token.Expression is { Length: > 0 } && value.Expression is { Length: > 0 } v && !v.Contains("Range", StringComparison.Ordinal);

    /// <summary>
    /// The meta parameters R4 defines once on Resource (search-parameters.json: Resource-tag, -security, -profile,
    /// -source), one per resource type so they are indexed and answered like the type's own. Firely's
    /// <c>ModelInfo.SearchParameters</c> leaves the Resource-level ones out, so these four are written here from the
    /// specification; <c>_id</c> and <c>_lastUpdated</c> are columns of the resource row and answered from there.
    /// </summary>
    private static IEnumerable<SearchParamDefinition> MetaParameters()
    {
        (string Name, SearchParamType Type, string Element, string Url)[] meta =
        [
            ("_tag", SearchParamType.Token, "tag", "http://hl7.org/fhir/SearchParameter/Resource-tag"),
            ("_security", SearchParamType.Token, "security", "http://hl7.org/fhir/SearchParameter/Resource-security"),
            ("_profile", SearchParamType.Uri, "profile", "http://hl7.org/fhir/SearchParameter/Resource-profile"),
            ("_source", SearchParamType.Uri, "source", "http://hl7.org/fhir/SearchParameter/Resource-source"),
        ];
        return from type in ModelInfo.SupportedResources
               from p in meta
               select new SearchParamDefinition
               {
                   Resource = type,
                   Name = p.Name,
                   Type = p.Type,
                   Url = p.Url,
                   Expression = $"{type}.meta.{p.Element}",
               };
    }

    public SearchParameterRegistry(IEnumerable<SearchParamDefinition> definitions)
    {
        var byType = new Dictionary<string, Dictionary<string, SearchParameterInfo>>(StringComparer.Ordinal);
        foreach (var definition in definitions)
        {
            if (definition.Resource is null || definition.Name is null || string.IsNullOrEmpty(definition.Expression))
            {
                continue;
            }

            var info = Narrow(definition);
            if (info is null)
            {
                continue;
            }

            if (!byType.TryGetValue(info.ResourceType, out var parameters))
            {
                byType[info.ResourceType] = parameters = new Dictionary<string, SearchParameterInfo>(StringComparer.Ordinal);
            }

            parameters[info.Name] = info;
        }

        _core = byType.ToFrozenDictionary(kv => kv.Key, kv => kv.Value.ToFrozenDictionary(StringComparer.Ordinal), StringComparer.Ordinal);
        _byType = _core;
    }

    private FrozenDictionary<string, FrozenDictionary<string, SearchParameterInfo>> Current => Volatile.Read(ref _byType);

    public IReadOnlyCollection<SearchParameterInfo> For(string resourceType) =>
        Current.TryGetValue(resourceType, out var parameters) ? parameters.Values : [];

    public bool TryGet(string resourceType, string name, out SearchParameterInfo info)
    {
        if (Current.TryGetValue(resourceType, out var parameters) && parameters.TryGetValue(name, out var found))
        {
            info = found;
            return true;
        }

        info = null!;
        return false;
    }

    /// <summary>
    /// A SearchParameter resource was stored as <paramref name="version"/> (or deleted: <paramref name="resource"/>
    /// null): the next write indexes it and the next search answers it. A version older than one already handed
    /// over is ignored (the other-instance poll can read version 1 just after this instance stored version 2); a
    /// retired or unindexable one is dropped. The table is rebuilt off to the side and swapped in one write.
    /// </summary>
    public void Changed(string id, int? version, SearchParameter? resource)
    {
        var parameters = resource is null || resource.Status == PublicationStatus.Retired || Problems(resource).Count > 0
            ? []
            : Definitions(resource).Select(Narrow).OfType<SearchParameterInfo>().ToList();
        lock (_gate)
        {
            if (version is { } v && _stored.TryGetValue(id, out var known) && v < known.Version)
            {
                return;
            }

            _stored[id] = (version ?? 0, parameters);
            var byType = _core.ToDictionary(kv => kv.Key, kv => kv.Value.ToDictionary(StringComparer.Ordinal), StringComparer.Ordinal);
            foreach (var (_, stored) in _stored.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                foreach (var info in stored.Parameters)
                {
                    if (!byType.TryGetValue(info.ResourceType, out var forType))
                    {
                        byType[info.ResourceType] = forType = new Dictionary<string, SearchParameterInfo>(StringComparer.Ordinal);
                    }

                    // A stored definition of a code the type already has replaces it (an IG may redefine a core one).
                    forType[info.Name] = info;
                }
            }

            Volatile.Write(ref _byType, byType.ToFrozenDictionary(kv => kv.Key, kv => kv.Value.ToFrozenDictionary(StringComparer.Ordinal), StringComparer.Ordinal));
        }
    }

    /// <summary>
    /// Why the server cannot index <paramref name="parameter"/> (empty when it can): a write of it is refused with
    /// these (422), so a stored, active SearchParameter is always one the table holds. A retired one is not checked.
    /// </summary>
    public static IReadOnlyList<string> Problems(SearchParameter parameter)
    {
        if (parameter.Status == PublicationStatus.Retired)
        {
            return [];
        }

        var problems = new List<string>();
        if (parameter.Code is not { } code || !Code().IsMatch(code))
        {
            problems.Add($"code '{parameter.Code}' is not a search parameter name this server can index: a letter, then letters, digits, '-', '_' or '.', at most 50 characters.");
        }

        if (parameter.Type is not { } type)
        {
            problems.Add("type is missing.");
        }
        else if (!IndexedTypes.Contains(type))
        {
            problems.Add($"type '{type.GetLiteral()}' cannot be indexed by this server; it indexes {string.Join(", ", IndexedTypes.Select(t => t.GetLiteral()).Order(StringComparer.Ordinal))}.");
        }

        var bases = BasesOf(parameter).ToList();
        if (bases.Count == 0)
        {
            problems.Add("base names no resource type.");
        }

        foreach (var unknown in bases.Where(b => !ModelInfo.IsKnownResource(b)))
        {
            problems.Add($"base '{unknown}' is not an R4 resource type.");
        }

        if (string.IsNullOrWhiteSpace(parameter.Expression))
        {
            problems.Add("expression is missing: the server indexes a parameter by evaluating its FHIRPath expression.");
            return problems;
        }

        try
        {
            ElementNavFhirExtensions.PrepareFhirSymbolTableFunctions();
            _ = new FhirPathCompiler().Compile(parameter.Expression);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException or NotSupportedException)
        {
            problems.Add($"expression '{parameter.Expression}' does not compile as FHIRPath: {ex.Message}");
            return problems;
        }

        foreach (var baseType in bases.Where(ModelInfo.IsKnownResource))
        {
            if (!SplitTopLevel(parameter.Expression).Any(p => p == baseType || p.StartsWith(baseType + ".", StringComparison.Ordinal) || p.StartsWith("(" + baseType + ".", StringComparison.Ordinal)))
            {
                problems.Add($"expression has no path starting at base '{baseType}' ('{baseType}.…'), so nothing of a {baseType} would be indexed.");
            }
        }

        return problems;
    }

    private static IEnumerable<string> BasesOf(SearchParameter parameter) =>
        parameter.BaseElement.Select(b => b.JsonValue as string).OfType<string>().Where(b => b.Length > 0).Distinct(StringComparer.Ordinal);

    /// <summary>One core-style definition per base of a stored SearchParameter.</summary>
    private static IEnumerable<SearchParamDefinition> Definitions(SearchParameter parameter) =>
        BasesOf(parameter).Select(type => new SearchParamDefinition
        {
            Resource = type,
            Name = parameter.Code,
            Type = parameter.Type!.Value,
            Url = parameter.Url ?? string.Empty,
            Expression = parameter.Expression,
            Target = parameter.TargetElement.Select(t => t.JsonValue as string is { } literal ? EnumUtility.ParseLiteral<VersionIndependentResourceTypesAll>(literal) : null)
                .OfType<VersionIndependentResourceTypesAll>().ToArray(),
        });

    /// <summary>Index rows name a parameter in 64 characters, and derived rows add up to 11 (<c>:identifier</c>).</summary>
    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_.\-]{0,49}$")]
    private static partial Regex Code();

    /// <summary>
    /// Keeps only the parts of a shared definition's expression that apply to its resource type
    /// (core definitions such as clinical-patient cover 30 types with one <c>|</c>-joined expression).
    /// </summary>
    private static SearchParameterInfo? Narrow(SearchParamDefinition definition)
    {
        var type = definition.Resource!;
        var parts = SplitTopLevel(definition.Expression!)
            .Where(p => p == type || p.StartsWith(type + ".", StringComparison.Ordinal) || p.StartsWith("(" + type + ".", StringComparison.Ordinal))
            .ToList();
        if (parts.Count == 0)
        {
            return null;
        }

        string? resolveIs = null;
        for (var i = 0; i < parts.Count; i++)
        {
            var match = ResolveIs().Match(parts[i]);
            if (match.Success)
            {
                resolveIs = match.Groups[1].Value;
                parts[i] = parts[i].Remove(match.Index, match.Length);
            }
        }

        var targets = definition.Target?.Select(t => t.ToString()).ToArray() ?? [];
        var leaves = parts.Select(LeafTypes).ToList();
        return new SearchParameterInfo(type, definition.Name!, definition.Type, definition.Url ?? string.Empty,
            string.Join(" | ", parts), targets, resolveIs)
        {
            // Derived index rows are named "<name>:of-type" / "<name>:identifier"; the column holds 64 characters.
            OfIdentifiers = definition.Type == SearchParamType.Token && leaves.Any(l => l is not null && l.Contains(typeof(Identifier)))
                && definition.Name!.Length <= 64 - 8,
            OfReferences = definition.Type == SearchParamType.Reference && leaves.Any(l => l is null || l.Contains(typeof(ResourceReference)))
                && definition.Name!.Length <= 64 - 11,
            // R4 writes code-value-date's value as value.as(DateTime): the FHIRPath system type, which a FHIR dateTime is not
            // (nothing was indexed); the FHIR type is meant, as in Observation-value-date's own "value as dateTime".
            Components = definition.Type == SearchParamType.Composite
                ? definition.Component!.Select(c => c.Expression!.Replace("as(DateTime)", "as(dateTime)", StringComparison.Ordinal)).ToArray()
                : [],
            ComponentTypes = definition.Type == SearchParamType.Composite
                ? definition.Component!.Select(c => c.Definition is { } url && TypeByUrl.TryGetValue(url, out var t) ? t : SearchParamType.Special).ToArray()
                : [],
        };
    }

    /// <summary>
    /// The .NET types of the elements one expression part selects, from Firely's model (<c>Patient.identifier</c> →
    /// Identifier; <c>(Observation.value as Quantity)</c> → Quantity; a choice element → each of its types), or null
    /// when the path cannot be followed (a function other than <c>where</c>).
    /// </summary>
    internal static IReadOnlyList<Type>? LeafTypes(string part)
    {
        var path = part.Trim();
        while (path.StartsWith('(') && path.EndsWith(')'))
        {
            path = path[1..^1].Trim();
        }

        var cast = AsType().Match(path);
        if (cast.Success)
        {
            return ModelInfo.ModelInspector.FindClassMapping(cast.Groups[2].Value)?.NativeType is { } castTo ? [castTo] : null;
        }

        path = WhereCall().Replace(path, string.Empty);
        var segments = path.Split('.');
        var mapping = ModelInfo.ModelInspector.FindClassMapping(segments[0]);
        if (mapping is null)
        {
            return null;
        }

        IReadOnlyList<Type> leaves = [mapping.NativeType];
        foreach (var segment in segments.Skip(1))
        {
            if (mapping?.FindMappedElementByName(segment) is not { } element)
            {
                return null;
            }

            // A choice element (value[x]) is typed DataType; its allowed types are listed in FhirType.
            leaves = element.ImplementingType == typeof(DataType) ? element.FhirType : [element.ImplementingType];
            mapping = leaves.Count == 1 ? ModelInfo.ModelInspector.FindOrImportClassMapping(leaves[0]) : null;
        }

        return leaves;
    }

    /// <summary><c>X.path as Type</c> or <c>X.path.as(Type)</c> / <c>.ofType(Type)</c>.</summary>
    [GeneratedRegex(@"^(.*?)(?:\s+as\s+|\.as\(|\.ofType\()([A-Za-z]+)\)?$")]
    private static partial Regex AsType();

    /// <summary>A <c>.where(…)</c> filter (one level of nested parentheses), which keeps the element type.</summary>
    [GeneratedRegex(@"\.where\((?:[^()]|\([^()]*\))*\)")]
    private static partial Regex WhereCall();

    private static IEnumerable<string> SplitTopLevel(string expression)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < expression.Length; i++)
        {
            switch (expression[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case '|' when depth == 0:
                    yield return expression[start..i].Trim();
                    start = i + 1;
                    break;
            }
        }

        yield return expression[start..].Trim();
    }

    [GeneratedRegex(@"\.where\(resolve\(\) is ([A-Za-z]+)\)")]
    private static partial Regex ResolveIs();
}
