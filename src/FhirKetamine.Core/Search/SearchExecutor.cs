using FhirKetamine.Core.Storage;
using Hl7.Fhir.Model;
using Microsoft.EntityFrameworkCore;

namespace FhirKetamine.Core.Search;

/// <summary>
/// Runs a <see cref="SearchQuery"/> as provider-neutral LINQ over the index tables: each clause becomes
/// a set of matching resource keys (an <c>IN (SELECT …)</c> the database can drive from its index),
/// and the page is read with the stored JSON of each match's current version.
/// </summary>
public sealed class SearchExecutor(FhirDbContext db, TimeProvider clock)
{
    /// <summary>
    /// The matching current resources. The most selective clause drives the query (its index rows are
    /// found by value, then joined to their resources); every other clause is an EXISTS probe by resource
    /// key. A compartment or scope filter is one more clause of the same kind.
    /// </summary>
    public IQueryable<ResourceRow> Filter(SearchQuery query)
    {
        var type = query.ResourceType;
        var driver = query.Clauses.Where(IsDriver).OrderBy(Selectivity).FirstOrDefault();
        IQueryable<ResourceRow> rows;
        if (driver is null)
        {
            rows = db.Resources.Where(r => r.Type == type && !r.IsDeleted);
        }
        else
        {
            var keys = Keys(type, driver).Distinct();
            rows = from key in keys
                   join r in db.Resources on key equals r.Key
                   where r.Type == type && !r.IsDeleted
                   select r;
        }

        foreach (var clause in query.Clauses)
        {
            if (!ReferenceEquals(clause, driver))
            {
                rows = Apply(rows, type, clause);
            }
        }

        return rows;
    }

    private static bool IsDriver(SearchClause clause) =>
        clause.Parameter is not null && clause.Modifier is not ("missing" or "not");

    /// <summary>A rough guess at how few rows a clause matches, lowest first.</summary>
    private static int Selectivity(SearchClause clause) => clause.Parameter!.Type switch
    {
        SearchParamType.Reference => 0,
        SearchParamType.Token when clause.Name is "identifier" => 0,
        SearchParamType.String or SearchParamType.Uri => 1,
        SearchParamType.Token => 2,
        SearchParamType.Quantity or SearchParamType.Number => 3,
        _ => 4,
    };

    public async Task<SearchPage> ExecuteAsync(SearchQuery query, CancellationToken ct)
    {
        var snapshot = query.Snapshot ?? await db.Resources.MaxAsync(r => (long?)r.Key, ct) ?? 0;
        var rows = Filter(query).Where(r => r.Key <= snapshot);

        int? total = query.Total == "none" ? null : await rows.CountAsync(ct);
        if (query.Count == 0)
        {
            return new SearchPage([], total, snapshot, false);
        }

        var page = await Order(rows, query)
            .Skip(query.Offset)
            .Take(query.Count + 1)
            .Select(r => new SearchMatch(r.Key, r.Type, r.LogicalId, r.VersionId, r.LastUpdated,
                db.Versions.Where(v => v.ResourceKey == r.Key && v.VersionId == r.VersionId).Select(v => v.Json).First()))
            .ToListAsync(ct);

        var hasNext = query.Count > 0 && page.Count > query.Count;
        if (hasNext)
        {
            page.RemoveAt(page.Count - 1);
        }

        return new SearchPage(page, total, snapshot, hasNext);
    }

    private IQueryable<ResourceRow> Apply(IQueryable<ResourceRow> rows, string type, SearchClause clause)
    {
        if (clause.Modifier == "missing")
        {
            var missing = clause.Values is ["true"] ? true : clause.Values is ["false"] ? false
                : throw Rest.FhirException.BadRequest($"{clause.Name}:missing takes true or false.");
            var any = AnyValue(clause);
            return missing ? rows.Where(r => !any.Any(k => k == r.Key)) : rows.Where(r => any.Any(k => k == r.Key));
        }

        switch (clause.Name)
        {
            case "_id":
                var ids = clause.Values.ToList();
                return clause.Modifier == "not" ? rows.Where(r => !ids.Contains(r.LogicalId)) : rows.Where(r => ids.Contains(r.LogicalId));
            case "_lastUpdated":
                return rows.Where(Predicates.AnyOf(clause.Values.Select(v => DateSearch.MatchLastUpdated(v, clock))));
        }

        var parameter = clause.Parameter!;
        if (clause.Modifier == "not" && parameter.Type == SearchParamType.Token)
        {
            var excluded = TokenSearch.Keys(db, null, clause with { Modifier = null });
            return rows.Where(r => !excluded.Any(k => k == r.Key));
        }

        if (clause.Modifier is not null && parameter.Type is not (SearchParamType.Token or SearchParamType.String or SearchParamType.Reference or SearchParamType.Uri))
        {
            throw Rest.FhirException.BadRequest($"Modifier ':{clause.Modifier}' is not supported on parameter '{clause.Name}'.");
        }

        // A probe for resources already chosen: no type filter, so the (ResourceKey, ParamName) index is used.
        var probe = Keys(null, clause);
        return rows.Where(r => probe.Any(k => k == r.Key));
    }

    /// <summary>The keys of resources with a value matching the clause; <paramref name="type"/> null for a per-resource probe.</summary>
    private IQueryable<long> Keys(string? type, SearchClause clause) => clause.Parameter!.Type switch
    {
        SearchParamType.Token => TokenSearch.Keys(db, type, clause),
        SearchParamType.String => StringSearch.Keys(db, type, clause),
        SearchParamType.Date => DateSearch.Keys(db, type, clause, clock),
        SearchParamType.Reference => ReferenceSearch.Keys(db, type, clause),
        SearchParamType.Quantity => QuantitySearch.Keys(db, type, clause),
        SearchParamType.Number => NumberSearch.Keys(db, type, clause),
        SearchParamType.Uri => UriSearch.Keys(db, type, clause),
        _ => throw Rest.FhirException.BadRequest($"Search parameter '{clause.Name}' of type {clause.Parameter.Type} is not supported yet."),
    };

    private IQueryable<long> AnyValue(SearchClause clause)
    {
        var name = clause.Name;
        return clause.Parameter?.Type switch
        {
            SearchParamType.Token => db.TokenIndex.Where(t => t.ParamName == name).Select(t => t.ResourceKey),
            SearchParamType.String => db.StringIndex.Where(t => t.ParamName == name).Select(t => t.ResourceKey),
            SearchParamType.Date => db.DateIndex.Where(t => t.ParamName == name).Select(t => t.ResourceKey),
            SearchParamType.Reference => db.ReferenceIndex.Where(t => t.ParamName == name).Select(t => t.ResourceKey),
            SearchParamType.Quantity => db.QuantityIndex.Where(t => t.ParamName == name).Select(t => t.ResourceKey),
            SearchParamType.Number => db.NumberIndex.Where(t => t.ParamName == name).Select(t => t.ResourceKey),
            SearchParamType.Uri => db.UriIndex.Where(t => t.ParamName == name).Select(t => t.ResourceKey),
            _ => throw Rest.FhirException.BadRequest($"':missing' is not supported on '{clause.Name}'."),
        };
    }

    private IQueryable<ResourceRow> Order(IQueryable<ResourceRow> rows, SearchQuery query)
    {
        IOrderedQueryable<ResourceRow>? ordered = null;
        foreach (var key in query.Sort)
        {
            var name = key.Name;
            ordered = (name, key.Descending) switch
            {
                ("_lastUpdated", false) => ordered is null ? rows.OrderBy(r => r.LastUpdated) : ordered.ThenBy(r => r.LastUpdated),
                ("_lastUpdated", true) => ordered is null ? rows.OrderByDescending(r => r.LastUpdated) : ordered.ThenByDescending(r => r.LastUpdated),
                ("_id", false) => ordered is null ? rows.OrderBy(r => r.LogicalId) : ordered.ThenBy(r => r.LogicalId),
                ("_id", true) => ordered is null ? rows.OrderByDescending(r => r.LogicalId) : ordered.ThenByDescending(r => r.LogicalId),
                // A date parameter sorts by the earliest start ascending and the latest end descending (R4 search.html#sort).
                (_, false) => ordered is null
                    ? rows.OrderBy(r => db.DateIndex.Where(d => d.ResourceKey == r.Key && d.ParamName == name).Min(d => (DateTime?)d.Start))
                    : ordered.ThenBy(r => db.DateIndex.Where(d => d.ResourceKey == r.Key && d.ParamName == name).Min(d => (DateTime?)d.Start)),
                (_, true) => ordered is null
                    ? rows.OrderByDescending(r => db.DateIndex.Where(d => d.ResourceKey == r.Key && d.ParamName == name).Max(d => (DateTime?)d.End))
                    : ordered.ThenByDescending(r => db.DateIndex.Where(d => d.ResourceKey == r.Key && d.ParamName == name).Max(d => (DateTime?)d.End)),
            };
        }

        // The resource key breaks ties, so pages never overlap or skip.
        return ordered is null ? rows.OrderBy(r => r.Key) : ordered.ThenBy(r => r.Key);
    }
}
