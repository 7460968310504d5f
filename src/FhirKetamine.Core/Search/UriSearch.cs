using System.Linq.Expressions;
using FhirKetamine.Core.Search.Index;
using FhirKetamine.Core.Storage;

namespace FhirKetamine.Core.Search;

/// <summary>
/// Uri parameters: exact match by default; <c>:below</c> finds URIs that start with the value, <c>:above</c> the
/// URIs the value starts with, on path boundaries (<c>url:above=http://acme.org/fhir/ValueSet/vs/2.0</c> finds
/// <c>http://acme.org/fhir/ValueSet/vs</c>): the candidate prefixes are computed here, so the query stays an
/// index lookup.
/// </summary>
internal static class UriSearch
{
    public static IQueryable<long> Keys(FhirDbContext db, string? type, SearchClause clause)
    {
        var name = clause.Name;
        var match = clause.Modifier switch
        {
            null => Predicates.AnyOf(clause.Values.Select(v => (Expression<Func<UriIndexRow, bool>>)(u => u.Uri == v))),
            "below" => Predicates.AnyOf(clause.Values.Select(v => (Expression<Func<UriIndexRow, bool>>)(u => u.Uri.StartsWith(v)))),
            "above" => Predicates.AnyOf(clause.Values.Select(v => Above(v))),
            _ => throw Rest.FhirException.BadRequest($"Modifier ':{clause.Modifier}' is not supported on uri parameter '{name}' (supported: :below, :above, :missing).", clause.RawName),
        };
        return IndexScope.Scope(db.UriIndex, type, name).Where(match).Select(u => u.ResourceKey);
    }

    private static Expression<Func<UriIndexRow, bool>> Above(string value)
    {
        var candidates = new List<string> { value };
        var schemeEnd = value.IndexOf("://", StringComparison.Ordinal);
        var floor = schemeEnd < 0 ? 0 : schemeEnd + 3;
        for (var slash = value.LastIndexOf('/'); slash > floor; slash = value.LastIndexOf('/', slash - 1))
        {
            candidates.Add(value[..slash]);
        }

        return u => candidates.Contains(u.Uri);
    }
}
