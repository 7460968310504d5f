using System.Globalization;

namespace FhirKetamine.Core.Search;

/// <summary>Turns search parameters (from a query string, a form body or a conditional header) into a <see cref="SearchQuery"/>.</summary>
public sealed class SearchQueryParser(SearchParameterRegistry registry)
{
    /// <summary>Result and format parameters that shape the answer rather than select resources.</summary>
    private static readonly HashSet<string> Ignorable = new(StringComparer.Ordinal)
    {
        "_format", "_pretty", "_summary", "_elements",
    };

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
                case "_offset":
                    query.Offset = Math.Max(0, ParseInt(rawName, value));
                    continue;
                case "_snapshot":
                    query.Snapshot = long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var snapshot)
                        ? snapshot : throw Rest.FhirException.BadRequest($"Invalid _snapshot '{value}'.");
                    continue;
                case "_total":
                    query.Total = value is "none" or "estimate" or "accurate"
                        ? value : throw Rest.FhirException.BadRequest($"_total must be none, estimate or accurate, not '{value}'.");
                    continue;
                case "_sort":
                    foreach (var key in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        var descending = key.StartsWith('-');
                        var sortName = descending ? key[1..] : key;
                        if (sortName != "_lastUpdated" && sortName != "_id"
                            && !(registry.TryGet(resourceType, sortName, out var sortParam) && sortParam.Type is Hl7.Fhir.Model.SearchParamType.Date))
                        {
                            throw Rest.FhirException.BadRequest($"Sorting by '{sortName}' is not supported on {resourceType}; use _lastUpdated, _id or a date parameter.");
                        }

                        query.Sort.Add(new SortKey(sortName, descending));
                    }

                    continue;
            }

            if (Ignorable.Contains(name))
            {
                continue;
            }

            var values = value.Split(',').Select(v => v.Replace("\\,", ",", StringComparison.Ordinal)).ToArray();
            if (name is "_id" or "_lastUpdated")
            {
                query.Clauses.Add(new SearchClause(name, modifier, null, values));
            }
            else if (registry.TryGet(resourceType, name, out var parameter))
            {
                query.Clauses.Add(new SearchClause(name, modifier, parameter, values));
            }
            else if (strict)
            {
                throw Rest.FhirException.BadRequest($"Unknown or unsupported search parameter '{rawName}' for {resourceType}.", rawName);
            }
            else
            {
                query.Ignored.Add(rawName);
            }
        }

        return query;
    }

    private static int ParseInt(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n : throw Rest.FhirException.BadRequest($"{name} must be a non-negative integer, not '{value}'.", name);
}
