using FhirKetamine.Core.Search.Index;
using FhirKetamine.Core.Storage;

namespace FhirKetamine.Core.Search;

/// <summary>
/// String parameters: starts-with on the normalised value by default, or on any later word of it (its part rows,
/// <see cref="SearchParameterInfo.PartIndexName"/>: <c>family=quinones</c> finds "Carreno Quinones"); <c>:exact</c> on
/// the whole value as written, <c>:contains</c> anywhere in it.
/// </summary>
internal static class StringSearch
{
    public static IQueryable<long> Keys(FhirDbContext db, string? type, SearchClause clause)
    {
        var name = clause.Name;
        var match = clause.Modifier switch
        {
            "exact" => Predicates.AnyOf<StringIndexRow>(clause.Values.Select(v => (System.Linq.Expressions.Expression<Func<StringIndexRow, bool>>)(s => s.Exact == v))),
            "contains" => Predicates.AnyOf<StringIndexRow>(clause.Values.Select(SearchValues.NormalizeString)
                .Select(v => (System.Linq.Expressions.Expression<Func<StringIndexRow, bool>>)(s => s.Normalized.Contains(v)))),
            null => Predicates.AnyOf<StringIndexRow>(clause.Values.Select(SearchValues.NormalizeString)
                .Select(v => (System.Linq.Expressions.Expression<Func<StringIndexRow, bool>>)(s => s.Normalized.StartsWith(v)))),
            _ => throw Rest.FhirException.BadRequest($"Modifier ':{clause.Modifier}' is not supported on string parameter '{name}' (supported: :exact, :contains, :missing).", clause.RawName),
        };
        var rows = clause.Modifier is null
            ? IndexScope.Scope(db.StringIndex, type, name, SearchParameterInfo.PartIndexNameOf(name))
            : IndexScope.Scope(db.StringIndex, type, name);
        return rows.Where(match).Select(s => s.ResourceKey);
    }
}
