using System.Globalization;
using System.Text;
using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Search;

/// <summary>Turns search parameters (from a query string, a form body or a conditional header) into a <see cref="SearchQuery"/>.</summary>
public sealed class SearchQueryParser(SearchParameterRegistry registry)
{
    /// <summary>Result and format parameters that shape the answer rather than select resources.</summary>
    private static readonly HashSet<string> Ignorable = new(StringComparer.Ordinal)
    {
        "_format", "_pretty", "_elements",
    };

    /// <summary>A chain or <c>_has</c> deeper than this is refused: each level is one more sub-query.</summary>
    public const int MaxChainDepth = 4;

    /// <summary>The parameter types <c>_sort</c> accepts (composite and special have no single value to order by).</summary>
    private static readonly HashSet<SearchParamType> Sortable =
    [
        SearchParamType.Date, SearchParamType.String, SearchParamType.Token, SearchParamType.Number,
        SearchParamType.Quantity, SearchParamType.Reference, SearchParamType.Uri,
    ];

    public SearchQuery Parse(string resourceType, IEnumerable<KeyValuePair<string, string>> parameters, bool strict)
    {
        var query = new SearchQuery(resourceType);
        foreach (var (rawName, value) in parameters)
        {
            var colon = rawName.IndexOf(':', StringComparison.Ordinal);
            var name = colon < 0 ? rawName : rawName[..colon];
            var modifier = colon < 0 ? null : rawName[(colon + 1)..];
            switch (name)
            {
                case "_count":
                    query.Count = Math.Clamp(ParseInt(rawName, value), 0, SearchQuery.MaxCount);
                    continue;
                case PageCursor.ParameterName:
                    query.Cursor = PageCursor.Decode(value);
                    continue;
                case "_snapshot":
                    query.Snapshot = long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var snapshot)
                        ? snapshot : throw Rest.FhirException.BadRequest($"Invalid _snapshot '{value}'.", "_snapshot");
                    continue;
                case "_total":
                    query.Total = value is "none" or "estimate" or "accurate"
                        ? value : throw Rest.FhirException.BadRequest($"_total must be none, estimate or accurate, not '{value}'.", "_total");
                    continue;
                case "_summary":
                    query.SummaryCount = value == "count";
                    continue;
                case "_sort":
                    ParseSort(query, value);
                    continue;
                case "_include" or "_revinclude":
                    if (ParseInclude(query, name == "_revinclude", modifier, value, rawName, strict) is { } include)
                    {
                        query.Includes.Add(include);
                    }

                    continue;
            }

            if (Ignorable.Contains(name))
            {
                continue;
            }

            var clause = ParseClause(resourceType, rawName, SplitValues(value), strict, 0);
            if (clause is not null)
            {
                query.Clauses.Add(clause);
            }
            else
            {
                query.Ignored.Add(rawName);
            }
        }

        return query;
    }

    /// <summary>
    /// One parameter of <paramref name="type"/>: plain (<c>name[:modifier]</c>), chained (<c>ref[:Type].rest</c>)
    /// or reverse-chained (<c>_has:Type:ref:rest</c>). Null when <paramref name="type"/> has no such parameter
    /// (under strict handling: 400).
    /// </summary>
    private SearchClause? ParseClause(string type, string rawName, IReadOnlyList<string> values, bool strict, int depth)
    {
        if (depth > MaxChainDepth)
        {
            throw Rest.FhirException.BadRequest($"'{rawName}' chains deeper than {MaxChainDepth} levels.", rawName);
        }

        if (rawName.StartsWith("_has:", StringComparison.Ordinal))
        {
            return ParseHas(type, rawName, values, strict, depth);
        }

        var dot = rawName.IndexOf('.', StringComparison.Ordinal);
        if (dot > 0)
        {
            return ParseChain(type, rawName, dot, values, strict, depth);
        }

        var colon = rawName.IndexOf(':', StringComparison.Ordinal);
        var name = colon < 0 ? rawName : rawName[..colon];
        var modifier = colon < 0 ? null : rawName[(colon + 1)..];
        if (name is "_id" or "_lastUpdated")
        {
            return new SearchClause(name, modifier, null, values);
        }

        if (registry.TryGet(type, name, out var parameter) && parameter.Type != SearchParamType.Special)
        {
            return new SearchClause(name, modifier, parameter, values);
        }

        return Unknown(type, rawName, strict);
    }

    /// <summary><c>_has:Observation:patient:code=x</c>: the Observation's <c>patient</c> must point to the resource.</summary>
    private SearchClause? ParseHas(string type, string rawName, IReadOnlyList<string> values, bool strict, int depth)
    {
        var parts = rawName.Split(':', 4);
        if (parts.Length < 4 || parts[3].Length == 0)
        {
            throw Rest.FhirException.BadRequest($"'{rawName}' is not a valid _has parameter (_has:Type:reference:parameter).", rawName);
        }

        var (sourceType, referenceName, rest) = (parts[1], parts[2], parts[3]);
        if (!ModelInfo.IsKnownResource(sourceType)
            || !registry.TryGet(sourceType, referenceName, out var reference) || reference.Type != SearchParamType.Reference
            || !CanPointTo(reference, type))
        {
            return Unknown(type, rawName, strict);
        }

        var inner = ParseClause(sourceType, rest, values, strict, depth + 1);
        return inner is null ? null : new SearchClause("_has", null, null, values) { Has = new HasStep(sourceType, reference, inner) };
    }

    /// <summary><c>subject:Patient.name=x</c> or <c>subject.organization.name=x</c>: the referenced resource must match the rest.</summary>
    private SearchClause? ParseChain(string type, string rawName, int dot, IReadOnlyList<string> values, bool strict, int depth)
    {
        var head = rawName[..dot];
        var rest = rawName[(dot + 1)..];
        var colon = head.IndexOf(':', StringComparison.Ordinal);
        var name = colon < 0 ? head : head[..colon];
        var targetType = colon < 0 ? null : head[(colon + 1)..];
        if (!registry.TryGet(type, name, out var reference) || reference.Type != SearchParamType.Reference)
        {
            return Unknown(type, rawName, strict);
        }

        if (targetType is not null && (!ModelInfo.IsKnownResource(targetType) || !CanPointTo(reference, targetType)))
        {
            throw Rest.FhirException.BadRequest($"'{name}' on {type} cannot refer to a '{targetType}'.", rawName);
        }

        var candidates = targetType is not null ? [targetType]
            : reference.ResolveIsType is { } only ? [only]
            : reference.TargetTypes.Where(ModelInfo.IsKnownResource).ToList();
        var restName = rest.Split([':', '.'], 2)[0];
        var targets = new Dictionary<string, SearchClause>(StringComparer.Ordinal);
        foreach (var candidate in candidates)
        {
            // Without a type modifier, every target type that defines the chained parameter takes part (an OR).
            if (targetType is null && restName is not ("_id" or "_lastUpdated" or "_has") && !registry.TryGet(candidate, restName, out _))
            {
                continue;
            }

            if (ParseClause(candidate, rest, values, strict: targetType is not null && strict, depth + 1) is { } inner)
            {
                targets[candidate] = inner;
            }
        }

        if (targets.Count == 0)
        {
            return Unknown(type, rawName, strict);
        }

        return new SearchClause(name, targetType, reference, values) { Chain = new ChainStep(targets) };
    }

    private static bool CanPointTo(SearchParameterInfo reference, string type) =>
        reference.ResolveIsType is { } only ? only == type
            : reference.TargetTypes.Count == 0 || reference.TargetTypes.Contains(type) || reference.TargetTypes.Contains("Resource");

    private static SearchClause? Unknown(string type, string rawName, bool strict) => strict
        ? throw Rest.FhirException.BadRequest($"Unknown or unsupported search parameter '{rawName}' for {type}.", rawName)
        : null;

    private void ParseSort(SearchQuery query, string value)
    {
        foreach (var key in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var descending = key.StartsWith('-');
            var sortName = descending ? key[1..] : key;
            if (sortName is "_lastUpdated" or "_id")
            {
                query.Sort.Add(new SortKey(sortName, descending, null));
                continue;
            }

            if (!registry.TryGet(query.ResourceType, sortName, out var parameter) || !Sortable.Contains(parameter.Type))
            {
                throw Rest.FhirException.BadRequest(
                    $"_sort: sorting by '{sortName}' is not supported on {query.ResourceType}: use _id, _lastUpdated or a date, string, token, number, quantity, reference or uri parameter of {query.ResourceType}.",
                    "_sort");
            }

            query.Sort.Add(new SortKey(sortName, descending, parameter));
        }
    }

    /// <summary><c>*</c>, <c>Type:*</c>, <c>Type:param</c> or <c>Type:param:Target</c>, with <c>:iterate</c> (or R4's older <c>:recurse</c>).</summary>
    private IncludeSpec? ParseInclude(SearchQuery query, bool reverse, string? modifier, string value, string rawName, bool strict)
    {
        if (modifier is not (null or "iterate" or "recurse"))
        {
            throw Rest.FhirException.BadRequest($"'{rawName}' is not valid: the only modifier of _include and _revinclude is :iterate.", rawName);
        }

        var iterate = modifier is not null;
        if (value == "*")
        {
            return new IncludeSpec(reverse, reverse || iterate ? null : query.ResourceType, [], null, iterate, value);
        }

        var parts = value.Split(':');
        if (parts.Length is < 2 or > 3 || !ModelInfo.IsKnownResource(parts[0]))
        {
            throw Rest.FhirException.BadRequest($"{rawName}={value} is not valid: use SourceType:parameter[:TargetType] or *.", rawName);
        }

        var (source, parameterName) = (parts[0], parts[1]);
        var target = parts.Length == 3 ? parts[2] : null;
        if (target is not null && !ModelInfo.IsKnownResource(target))
        {
            throw Rest.FhirException.BadRequest($"{rawName}={value}: '{target}' is not a resource type.", rawName);
        }

        if (parameterName == "*")
        {
            return new IncludeSpec(reverse, source, [], target, iterate, value);
        }

        if (!registry.TryGet(source, parameterName, out var parameter) || parameter.Type != SearchParamType.Reference)
        {
            if (strict)
            {
                throw Rest.FhirException.BadRequest($"{rawName}={value}: {source} has no reference search parameter '{parameterName}'.", rawName);
            }

            query.Ignored.Add($"{rawName}={value}");
            return null;
        }

        return new IncludeSpec(reverse, source, [parameterName], target, iterate, value);
    }

    /// <summary>Comma-separated OR values; <c>\,</c> is a literal comma and <c>\\</c> a backslash.</summary>
    internal static IReadOnlyList<string> SplitValues(string value)
    {
        if (!value.Contains('\\', StringComparison.Ordinal))
        {
            return value.Split(',');
        }

        var values = new List<string>();
        var current = new StringBuilder();
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\\' && i + 1 < value.Length && value[i + 1] is ',' or '\\' or '|' or '$')
            {
                current.Append(value[++i]);
            }
            else if (c == ',')
            {
                values.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        values.Add(current.ToString());
        return values;
    }

    private static int ParseInt(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n : throw Rest.FhirException.BadRequest($"{name} must be a non-negative integer, not '{value}'.", name);
}
