using System.Linq.Expressions;
using FhirKetamine.Core.Storage;
using Hl7.Fhir.Model;
using Microsoft.EntityFrameworkCore;

namespace FhirKetamine.Core.Search;

/// <summary>
/// Runs a <see cref="SearchQuery"/> as provider-neutral LINQ over the index tables: each clause becomes
/// a set of matching resource keys (an <c>IN (SELECT …)</c> the database can drive from its index),
/// and the page is read with the stored JSON of each match's current version. Chains and <c>_has</c> are
/// nested sub-queries of the same kind; includes are one more statement per include level.
/// </summary>
public sealed partial class SearchExecutor(FhirDbContext db, TimeProvider clock, SearchValueSets valueSets, UcumCanonicalizer ucum)
{
    /// <summary>At most this many resources are included per include level; beyond it the Bundle carries a warning.</summary>
    public const int MaxIncludedPerLevel = 2000;

    /// <summary><c>_include:iterate</c> follows at most this many levels (a cycle ends sooner: nothing new is found).</summary>
    public const int MaxIncludeLevels = 4;

    /// <summary>
    /// The matching current resources. The most selective clause drives the query (its index rows are
    /// found by value, then joined to their resources); every other clause is an EXISTS probe by resource
    /// key. What the caller may see (<see cref="SearchQuery.Bounds"/>: compartment and granular scope filters) is
    /// one more predicate here and in every chain, <c>_has</c> and include query.
    /// </summary>
    /// <summary>
    /// What a query needs before <see cref="Filter"/> can build it: the codes of the ValueSets its <c>:in</c>/<c>:not-in</c>
    /// clauses name (expanding is asynchronous, building a query is not). <see cref="ExecuteAsync"/> calls it; every other
    /// caller of <see cref="Filter"/> calls it first. Cheap when the query has no such clause or the expansion is cached.
    /// </summary>
    public Task PrepareAsync(SearchQuery query, CancellationToken ct) => valueSets.ResolveAsync(query, ct);

    public IQueryable<ResourceRow> Filter(SearchQuery query) => Match(query.ResourceType, query.Clauses, query.Bounds);

    private IQueryable<ResourceRow> Match(string type, IReadOnlyList<SearchClause> clauses, AccessBounds? bounds)
    {
        // Without a plain clause to drive, a chain drives: its keys are found from the far end of the chain inwards
        // (name → organizations → patients → observations), each step an index seek, instead of walking every
        // resource of the type and testing it against the chain (seconds at 1M Observations, issue 7).
        var driver = clauses.Where(IsDriver).OrderBy(Selectivity).FirstOrDefault() ?? clauses.FirstOrDefault(c => c.Chain is not null && c.Has is null);
        IQueryable<ResourceRow> rows;
        if (driver is null)
        {
            rows = db.Resources.Where(r => r.Type == type && !r.IsDeleted);
        }
        else
        {
            var keys = (driver.Chain is { } chain ? ChainKeys(type, driver.Name, chain, bounds) : Keys(type, driver)).Distinct();
            rows = from key in keys
                   join r in db.Resources on key equals r.Key
                   where r.Type == type && !r.IsDeleted
                   select r;
        }

        foreach (var clause in clauses)
        {
            if (!ReferenceEquals(clause, driver))
            {
                rows = Apply(rows, type, clause, bounds);
            }
        }

        return bounds is null ? rows : Visible(rows, type, bounds);
    }

    /// <summary>
    /// The patient compartment as a predicate: the Patient itself, or a resource whose compartment reference
    /// parameter (<see cref="PatientCompartment"/>, e.g. Observation's subject or performer) points to it.
    /// <paramref name="type"/> is null for rows of mixed types (an include level).
    /// </summary>
    private IQueryable<ResourceRow> InCompartment(IQueryable<ResourceRow> rows, string? type, string patient)
    {
        if (type == "Patient")
        {
            return rows.Where(r => r.LogicalId == patient);
        }

        if (type is not null)
        {
            var names = PatientCompartment.R4.Parameters(type);
            return rows.Where(r => db.ReferenceIndex.Any(x => x.ResourceKey == r.Key && x.TargetType == "Patient" && x.TargetId == patient
                && names.Contains(x.ParamName)));
        }

        var pairs = PatientCompartment.R4.TypeParameterPairs;
        return rows.Where(r => (r.Type == "Patient" && r.LogicalId == patient)
            || (r.Type != "Patient" && db.ReferenceIndex.Any(x => x.ResourceKey == r.Key && x.TargetType == "Patient" && x.TargetId == patient
                && pairs.Contains(x.ResourceType + ":" + x.ParamName))));
    }

    private static bool IsDriver(SearchClause clause) =>
        clause.Parameter is not null && clause.Chain is null && clause.Has is null && clause.Modifier is not ("missing" or "not" or "not-in");

    /// <summary>A rough guess at how few rows a clause matches, lowest first.</summary>
    private static int Selectivity(SearchClause clause) => clause.Parameter!.Type switch
    {
        SearchParamType.Reference => 0,
        SearchParamType.Token when clause.Name is "identifier" => 0,
        SearchParamType.String or SearchParamType.Uri => 1,
        SearchParamType.Token or SearchParamType.Composite => 2,
        SearchParamType.Quantity or SearchParamType.Number => 3,
        _ => 4,
    };

    public async Task<SearchPage> ExecuteAsync(SearchQuery query, CancellationToken ct)
    {
        await PrepareAsync(query, ct);
        var cursor = query.Cursor;
        var snapshot = cursor?.Snapshot ?? query.Snapshot ?? await db.Resources.MaxAsync(r => (long?)r.Key, ct) ?? 0;
        var rows = Filter(query).Where(r => r.Key <= snapshot);

        var (total, capped) = await TotalAsync(query, rows, ct);
        if (query.Count == 0 || query.SummaryCount)
        {
            return new SearchPage([], total, snapshot, null, null) { TotalCapped = capped };
        }

        var sort = query.SortText;
        if (cursor is not null && cursor.Sort != sort)
        {
            throw Rest.FhirException.BadRequest($"The {PageCursor.ParameterName} was made for _sort={cursor.Sort}, not for this search's; follow the Bundle's links as given.", PageCursor.ParameterName);
        }

        var (pageRows, more) = await PageAsync(rows, OrderTerms(query), cursor, query.Count, ct);
        var page = pageRows.Select(r => r.Match).ToList();

        // After a forward page: a next page if there were more rows, a previous one before its first row (or, when
        // it came out empty, before the cursor it continued from). After a backward page, the mirror image.
        PageCursor? next = null, previous = null;
        if (cursor is null or { Before: false })
        {
            next = more ? CursorAt(pageRows[^1], sort, snapshot, before: false) : null;
            previous = cursor is null ? null : page.Count > 0 ? CursorAt(pageRows[0], sort, snapshot, before: true) : cursor with { Before = true };
        }
        else
        {
            previous = more ? CursorAt(pageRows[0], sort, snapshot, before: true) : null;
            next = page.Count > 0 ? CursorAt(pageRows[^1], sort, snapshot, before: false) : null;
        }

        var (included, truncated) = query.Includes.Count == 0 ? ([], false) : await IncludeAsync(query, page, snapshot, ct);
        return new SearchPage(page, total, snapshot, next, previous) { Included = included, IncludesTruncated = truncated, TotalCapped = capped };
    }

    /// <summary>
    /// <c>_include</c> and <c>_revinclude</c>: one statement per level. Level one follows every include from the
    /// page's matches; each further level follows only the <c>:iterate</c> ones from what the level before found.
    /// A resource already in the Bundle is never added twice, so a cycle (A → B → A) ends when a level finds
    /// nothing new.
    /// </summary>
    private async Task<(List<SearchMatch> Included, bool Truncated)> IncludeAsync(SearchQuery query, List<SearchMatch> page, long snapshot, CancellationToken ct)
    {
        var seen = page.Select(m => m.Key).ToHashSet();
        var included = new List<SearchMatch>();
        var current = page;
        var truncated = false;
        for (var level = 0; level < MaxIncludeLevels && current.Count > 0; level++)
        {
            var specs = query.Includes.Where(i => level == 0 || i.Iterate).ToList();
            var currentKeys = current.Select(m => m.Key).ToList();
            var currentTypes = current.Select(m => m.Type).ToHashSet(StringComparer.Ordinal);
            IQueryable<long>? keys = null;
            foreach (var spec in specs)
            {
                var found = spec.Reverse ? RevIncludeKeys(spec, currentKeys) : spec.SourceType is { } source && !currentTypes.Contains(source) ? null : IncludeKeys(spec, currentKeys);
                if (found is not null)
                {
                    keys = keys is null ? found : keys.Union(found);
                }
            }

            if (keys is null)
            {
                break;
            }

            var rows = db.Resources.Where(r => keys.Contains(r.Key) && !r.IsDeleted && r.Key <= snapshot);
            if (query.IncludeBounds is { } bounds)
            {
                rows = Visible(rows, null, bounds);
            }

            var next = await rows.OrderBy(r => r.Key).Take(MaxIncludedPerLevel + 1)
                .Select(r => new SearchMatch(r.Key, r.Type, r.LogicalId, r.VersionId, r.LastUpdated,
                    db.Versions.Where(v => v.ResourceKey == r.Key && v.VersionId == r.VersionId).Select(v => v.Json).First()))
                .ToListAsync(ct);
            if (next.Count > MaxIncludedPerLevel)
            {
                truncated = true;
                next.RemoveAt(next.Count - 1);
            }

            current = next.Where(m => seen.Add(m.Key)).ToList();
            included.AddRange(current);
        }

        return (included, truncated);
    }

    /// <summary>_include: the resources that the current level's resources refer to.</summary>
    private IQueryable<long> IncludeKeys(IncludeSpec spec, List<long> currentKeys)
    {
        var refs = db.ReferenceIndex.Where(x => currentKeys.Contains(x.ResourceKey) && x.TargetType != null);
        if (spec.SourceType is { } source)
        {
            refs = refs.Where(x => x.ResourceType == source);
        }

        if (spec.Parameters is [var parameter])
        {
            refs = refs.Where(x => x.ParamName == parameter);
        }

        if (spec.TargetType is { } target)
        {
            refs = refs.Where(x => x.TargetType == target);
        }

        return from x in refs
               join r in db.Resources on x.TargetId equals r.LogicalId
               where r.Type == x.TargetType
               select r.Key;
    }

    /// <summary>_revinclude: the resources that refer to the current level's resources.</summary>
    private IQueryable<long> RevIncludeKeys(IncludeSpec spec, List<long> currentKeys)
    {
        var targets = db.Resources.Where(t => currentKeys.Contains(t.Key));
        if (spec.TargetType is { } target)
        {
            targets = targets.Where(t => t.Type == target);
        }

        var refs = db.ReferenceIndex.AsQueryable();
        if (spec.SourceType is { } source)
        {
            refs = refs.Where(x => x.ResourceType == source);
        }

        if (spec.Parameters is [var parameter])
        {
            refs = refs.Where(x => x.ParamName == parameter);
        }

        return from t in targets
               join x in refs on t.LogicalId equals x.TargetId
               where x.TargetType == t.Type
               select x.ResourceKey;
    }

    private IQueryable<ResourceRow> Apply(IQueryable<ResourceRow> rows, string type, SearchClause clause, AccessBounds? bounds)
    {
        if (clause.Chain is { } chain)
        {
            var referring = ChainKeys(type, clause.Name, chain, bounds);
            return rows.Where(r => referring.Contains(r.Key));
        }

        if (clause.Has is { } has)
        {
            var sources = Match(has.SourceType, [has.Inner], bounds).Select(s => s.Key);
            var sourceType = has.SourceType;
            var reference = has.ReferenceParameter.Name;
            return rows.Where(r => db.ReferenceIndex.Any(x => x.ResourceType == sourceType && x.ParamName == reference
                && x.TargetId == r.LogicalId && x.TargetType == r.Type && sources.Contains(x.ResourceKey)));
        }

        if (clause.Modifier == "missing")
        {
            var missing = clause.Values is ["true"] ? true : clause.Values is ["false"] ? false
                : throw Rest.FhirException.BadRequest($"{clause.Name}:missing takes true or false.", clause.RawName);
            var any = AnyValue(clause);
            return missing ? rows.Where(r => !any.Any(k => k == r.Key)) : rows.Where(r => any.Any(k => k == r.Key));
        }

        switch (clause.Name)
        {
            case "_id":
                var ids = clause.Values.ToList();
                return clause.Modifier switch
                {
                    "not" => rows.Where(r => !ids.Contains(r.LogicalId)),
                    null => rows.Where(r => ids.Contains(r.LogicalId)),
                    _ => throw Rest.FhirException.BadRequest($"Modifier ':{clause.Modifier}' is not supported on '_id'.", clause.RawName),
                };
            case "_lastUpdated":
                return clause.Modifier is null
                    ? rows.Where(Predicates.AnyOf(clause.Values.Select(v => DateSearch.MatchLastUpdated(v, clock))))
                    : throw Rest.FhirException.BadRequest($"Modifier ':{clause.Modifier}' is not supported on '_lastUpdated'.", clause.RawName);
        }

        var parameter = clause.Parameter!;
        if (clause.Modifier is "not" or "not-in" && parameter.Type == SearchParamType.Token)
        {
            // The complement: resources with no value matching the codes (or the ValueSet), including those without a value.
            var excluded = TokenSearch.Keys(db, null, clause with { Modifier = clause.Modifier == "not" ? null : "in" });
            return rows.Where(r => !excluded.Any(k => k == r.Key));
        }

        if (clause.Modifier is not null && parameter.Type is not (SearchParamType.Token or SearchParamType.String or SearchParamType.Reference or SearchParamType.Uri))
        {
            throw Rest.FhirException.BadRequest($"Modifier ':{clause.Modifier}' is not supported on parameter '{clause.Name}'.", clause.RawName);
        }

        // A probe for resources already chosen: no type filter, so the (ResourceKey, ParamName) index is used.
        var probe = Keys(null, clause);
        return rows.Where(r => probe.Any(k => k == r.Key));
    }

    /// <summary>
    /// The keys of <paramref name="type"/> resources whose reference <paramref name="name"/> points to a target
    /// matching the rest of the chain: per candidate target type, reference rows joined to the matching targets
    /// (themselves a nested query, so <c>subject.organization.name</c> nests twice).
    /// A reference to a resource the server does not hold, or to a deleted one, matches nothing.
    /// The reference rows are found by <c>TargetId IN (matching targets' ids)</c>, i.e. one seek of the
    /// (ResourceType, ParamName, TargetId, …) index per target: a join let SQLite walk every reference row of
    /// the parameter (1M <c>subject</c> rows at 1M Observations) and look each target up instead.
    /// </summary>
    private IQueryable<long> ChainKeys(string type, string name, ChainStep chain, AccessBounds? bounds)
    {
        IQueryable<long>? keys = null;
        foreach (var (targetType, inner) in chain.Targets)
        {
            var targetIds = Match(targetType, [inner], bounds).Select(t => t.LogicalId);
            var found = db.ReferenceIndex
                .Where(x => x.ResourceType == type && x.ParamName == name && x.TargetType == targetType && targetIds.Contains(x.TargetId))
                .Select(x => x.ResourceKey);
            keys = keys is null ? found : keys.Concat(found);
        }

        return keys!;
    }

    /// <summary>The keys of resources with a value matching the clause; <paramref name="type"/> null for a per-resource probe.</summary>
    private IQueryable<long> Keys(string? type, SearchClause clause) => clause.Parameter!.Type switch
    {
        SearchParamType.Token => TokenSearch.Keys(db, type, clause),
        SearchParamType.String => StringSearch.Keys(db, type, clause),
        SearchParamType.Date => DateSearch.Keys(db, type, clause, clock),
        SearchParamType.Reference => ReferenceSearch.Keys(db, type, clause),
        SearchParamType.Quantity => QuantitySearch.Keys(db, ucum, type, clause),
        SearchParamType.Number => NumberSearch.Keys(db, type, clause),
        SearchParamType.Uri => UriSearch.Keys(db, type, clause),
        SearchParamType.Composite => CompositeSearch.Keys(db, ucum, clock, type, clause),
        _ => throw Rest.FhirException.BadRequest($"Search parameter '{clause.Name}' of type {clause.Parameter.Type} is not supported yet.", clause.RawName),
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
            SearchParamType.Composite => CompositeSearch.AnyValue(db, clause.Parameter),
            _ => throw Rest.FhirException.BadRequest($"':missing' is not supported on '{clause.Name}'.", clause.RawName),
        };
    }

    /// <summary>
    /// <c>_sort</c>: each key in turn, a parameter by its lowest value ascending or its highest value descending
    /// (R4 search.html#sort; a date by its range's start or end). A resource without a value for the key sorts
    /// after those with one in either direction (the same on SQLite and PostgreSQL, whose NULL orders differ).
    /// Ties end with the resource key, so pages never overlap or skip.
    /// </summary>
    /// <summary>
    /// The page's order as a list of terms, each a value of the row and its direction: per <c>_sort</c> key a "has no
    /// value" flag (resources without one sort last on both SQLite and PostgreSQL, whose NULL orders differ) and a
    /// correlated <c>MIN</c>/<c>MAX</c> over the parameter's index rows (lowest value ascending, highest descending,
    /// R4 search.html#sort); the resource key ends every order, so ties are stable and the order is total, which
    /// keyset paging needs. A value is never NULL where its flag says it has one: the index columns are not nullable.
    /// </summary>
    private List<OrderTerm> OrderTerms(SearchQuery query)
    {
        var terms = new List<OrderTerm>();
        void By<TKey>(Expression<Func<ResourceRow, TKey>> key, bool descending) => terms.Add(new OrderTerm(key, descending));

        foreach (var key in query.Sort)
        {
            var name = key.Name;
            var desc = key.Descending;
            switch (key.Parameter?.Type)
            {
                case null when name == "_lastUpdated":
                    By(r => r.LastUpdated, desc);
                    break;
                case null:
                    By(r => r.LogicalId, desc);
                    break;
                case SearchParamType.Date:
                    By(r => db.DateIndex.Any(d => d.ResourceKey == r.Key && d.ParamName == name) ? 0 : 1, false);
                    if (desc)
                    {
                        By(r => db.DateIndex.Where(d => d.ResourceKey == r.Key && d.ParamName == name).Max(d => (DateTime?)d.End), true);
                    }
                    else
                    {
                        By(r => db.DateIndex.Where(d => d.ResourceKey == r.Key && d.ParamName == name).Min(d => (DateTime?)d.Start), false);
                    }

                    break;
                case SearchParamType.String:
                    By(r => db.StringIndex.Any(d => d.ResourceKey == r.Key && d.ParamName == name) ? 0 : 1, false);
                    if (desc)
                    {
                        By(r => db.StringIndex.Where(d => d.ResourceKey == r.Key && d.ParamName == name).Max(d => d.Normalized), true);
                    }
                    else
                    {
                        By(r => db.StringIndex.Where(d => d.ResourceKey == r.Key && d.ParamName == name).Min(d => d.Normalized), false);
                    }

                    break;
                case SearchParamType.Token:
                    By(r => db.TokenIndex.Any(d => d.ResourceKey == r.Key && d.ParamName == name) ? 0 : 1, false);
                    if (desc)
                    {
                        By(r => db.TokenIndex.Where(d => d.ResourceKey == r.Key && d.ParamName == name).Max(d => d.Code), true);
                    }
                    else
                    {
                        By(r => db.TokenIndex.Where(d => d.ResourceKey == r.Key && d.ParamName == name).Min(d => d.Code), false);
                    }

                    break;
                case SearchParamType.Number:
                    By(r => db.NumberIndex.Any(d => d.ResourceKey == r.Key && d.ParamName == name) ? 0 : 1, false);
                    if (desc)
                    {
                        By(r => db.NumberIndex.Where(d => d.ResourceKey == r.Key && d.ParamName == name).Max(d => (double?)d.Value), true);
                    }
                    else
                    {
                        By(r => db.NumberIndex.Where(d => d.ResourceKey == r.Key && d.ParamName == name).Min(d => (double?)d.Value), false);
                    }

                    break;
                case SearchParamType.Quantity:
                    By(r => db.QuantityIndex.Any(d => d.ResourceKey == r.Key && d.ParamName == name) ? 0 : 1, false);
                    if (desc)
                    {
                        By(r => db.QuantityIndex.Where(d => d.ResourceKey == r.Key && d.ParamName == name).Max(d => (double?)d.Value), true);
                    }
                    else
                    {
                        By(r => db.QuantityIndex.Where(d => d.ResourceKey == r.Key && d.ParamName == name).Min(d => (double?)d.Value), false);
                    }

                    break;
                case SearchParamType.Reference:
                    By(r => db.ReferenceIndex.Any(d => d.ResourceKey == r.Key && d.ParamName == name) ? 0 : 1, false);
                    if (desc)
                    {
                        By(r => db.ReferenceIndex.Where(d => d.ResourceKey == r.Key && d.ParamName == name).Max(d => d.TargetId), true);
                    }
                    else
                    {
                        By(r => db.ReferenceIndex.Where(d => d.ResourceKey == r.Key && d.ParamName == name).Min(d => d.TargetId), false);
                    }

                    break;
                case SearchParamType.Uri:
                    By(r => db.UriIndex.Any(d => d.ResourceKey == r.Key && d.ParamName == name) ? 0 : 1, false);
                    if (desc)
                    {
                        By(r => db.UriIndex.Where(d => d.ResourceKey == r.Key && d.ParamName == name).Max(d => d.Uri), true);
                    }
                    else
                    {
                        By(r => db.UriIndex.Where(d => d.ResourceKey == r.Key && d.ParamName == name).Min(d => d.Uri), false);
                    }

                    break;
                default:
                    throw Rest.FhirException.BadRequest($"Sorting by '{name}' is not supported.", "_sort");
            }
        }

        By(r => r.Key, false);
        return terms;
    }
}
