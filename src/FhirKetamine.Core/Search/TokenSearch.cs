using System.Linq.Expressions;
using FhirKetamine.Core.Search.Index;
using FhirKetamine.Core.Storage;

namespace FhirKetamine.Core.Search;

/// <summary>Token parameters: <c>code</c>, <c>system|code</c>, <c>|code</c>, <c>system|</c>, and <c>:text</c>.</summary>
internal static class TokenSearch
{
    public static IQueryable<long> Keys(FhirDbContext db, string? type, SearchClause clause)
    {
        var name = clause.Name;
        var match = clause.Modifier switch
        {
            "text" => Predicates.AnyOf(clause.Values.Select(v => Text(SearchValues.NormalizeString(v)))),
            null => Predicates.AnyOf(clause.Values.Select(Value)),
            _ => throw Rest.FhirException.BadRequest(
                $"Modifier ':{clause.Modifier}' is not supported on token parameter '{name}' (supported: :text, :not, :missing).", clause.RawName),
        };
        return IndexScope.Scope(db.TokenIndex, type, name).Where(match).Select(t => t.ResourceKey);
    }

    private static Expression<Func<TokenIndexRow, bool>> Text(string text) =>
        t => t.Text != null && t.Text.StartsWith(text);

    private static Expression<Func<TokenIndexRow, bool>> Value(string value)
    {
        var bar = value.IndexOf('|', StringComparison.Ordinal);
        if (bar < 0)
        {
            return t => t.Code == value;
        }

        var system = value[..bar];
        var code = value[(bar + 1)..];
        return code.Length == 0
            ? t => t.System == system
            : t => t.System == system && t.Code == code;
    }
}
