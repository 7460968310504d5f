using System.Linq.Expressions;
using FhirKetamine.Core.Search.Index;
using FhirKetamine.Core.Storage;

namespace FhirKetamine.Core.Search;

/// <summary>Uri parameters: exact match by default, <c>:below</c> as a prefix match.</summary>
internal static class UriSearch
{
    public static IQueryable<long> Keys(FhirDbContext db, string? type, SearchClause clause)
    {
        var name = clause.Name;
        var match = clause.Modifier switch
        {
            null => Predicates.AnyOf(clause.Values.Select(v => (Expression<Func<UriIndexRow, bool>>)(u => u.Uri == v))),
            "below" => Predicates.AnyOf(clause.Values.Select(v => (Expression<Func<UriIndexRow, bool>>)(u => u.Uri.StartsWith(v)))),
            _ => throw Rest.FhirException.BadRequest($"Modifier ':{clause.Modifier}' is not supported on uri parameter '{name}'."),
        };
        return IndexScope.Scope(db.UriIndex, type, name).Where(match).Select(u => u.ResourceKey);
    }
}
