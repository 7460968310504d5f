using FhirKetamine.Core.Search.Index;
using FhirKetamine.Core.Storage;

namespace FhirKetamine.Core.Search;

/// <summary>String parameters: starts-with on the normalised value by default, <c>:exact</c> and <c>:contains</c>.</summary>
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
        return IndexScope.Scope(db.StringIndex, type, name).Where(match).Select(s => s.ResourceKey);
    }
}
