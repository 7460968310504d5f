using System.Collections.Frozen;
using System.Text.RegularExpressions;
using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Search;

/// <summary>
/// The search parameters the server indexes and answers, built from the R4 core SearchParameter
/// definitions that ship with the Firely SDK (their FHIRPath expressions, evaluated at write time).
/// A singleton: the CapabilityStatement, the indexer and the query parser all read this one table.
/// </summary>
public sealed partial class SearchParameterRegistry
{
    /// <summary>
    /// The parameter types the engine indexes and answers, besides the token$quantity composites (<see cref="IsTokenQuantity"/>).
    /// Other composites and the special parameters (<c>near</c>, <c>_text</c>) are left out, and so left out of the
    /// CapabilityStatement: only token$quantity pairs are indexed per element, and there is no text index.
    /// </summary>
    public static readonly FrozenSet<SearchParamType> IndexedTypes = new[]
    {
        SearchParamType.Number, SearchParamType.Date, SearchParamType.String, SearchParamType.Token,
        SearchParamType.Reference, SearchParamType.Quantity, SearchParamType.Uri,
    }.ToFrozenSet();

    private readonly FrozenDictionary<string, FrozenDictionary<string, SearchParameterInfo>> _byType;

    /// <summary>
    /// Every core parameter of an indexed type. Reference parameters among them also carry compartment
    /// membership and the resources a record points to (<c>Patient/$everything</c> reads those rows).
    /// </summary>
    public SearchParameterRegistry()
        : this(ModelInfo.SearchParameters.Where(p => IndexedTypes.Contains(p.Type) || IsTokenQuantity(p)).Concat(MetaParameters()))
    {
    }

    /// <summary>The type of each core SearchParameter by canonical URL, to read what a composite is made of.</summary>
    private static readonly FrozenDictionary<string, SearchParamType> TypeByUrl = ModelInfo.SearchParameters
        .Where(p => p.Url is not null).GroupBy(p => p.Url!, StringComparer.Ordinal)
        .ToFrozenDictionary(g => g.Key, g => g.First().Type, StringComparer.Ordinal);

    /// <summary>
    /// A composite of a token and a quantity (<c>code-value-quantity</c>, <c>component-code-value-quantity</c>,
    /// <c>combo-code-value-quantity</c>): indexed as pairs taken from one element, so the code and the value correlate.
    /// Composites of other kinds, and those whose quantity may also be a Range (<c>context-type-quantity</c>), are not.
    /// </summary>
    internal static bool IsTokenQuantity(SearchParamDefinition p) =>
        p.Type == SearchParamType.Composite && p.Component is [var token, var quantity]
        && token.Definition is { } tokenUrl && TypeByUrl.GetValueOrDefault(tokenUrl) == SearchParamType.Token
        && quantity.Definition is { } quantityUrl && TypeByUrl.GetValueOrDefault(quantityUrl) == SearchParamType.Quantity
        && token.Expression is { Length: > 0 } && quantity.Expression is { Length: > 0 } q && !q.Contains("Range", StringComparison.Ordinal);

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

        _byType = byType.ToFrozenDictionary(kv => kv.Key, kv => kv.Value.ToFrozenDictionary(StringComparer.Ordinal), StringComparer.Ordinal);
    }

    public IReadOnlyCollection<SearchParameterInfo> For(string resourceType) =>
        _byType.TryGetValue(resourceType, out var parameters) ? parameters.Values : [];

    public bool TryGet(string resourceType, string name, out SearchParameterInfo info)
    {
        if (_byType.TryGetValue(resourceType, out var parameters) && parameters.TryGetValue(name, out var found))
        {
            info = found;
            return true;
        }

        info = null!;
        return false;
    }

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
            Components = definition.Type == SearchParamType.Composite ? definition.Component!.Select(c => c.Expression!).ToArray() : [],
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
