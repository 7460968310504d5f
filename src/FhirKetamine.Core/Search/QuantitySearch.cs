using System.Globalization;
using System.Linq.Expressions;
using FhirKetamine.Core.Search.Index;
using FhirKetamine.Core.Storage;

namespace FhirKetamine.Core.Search;

/// <summary>
/// Quantity parameters: <c>[prefix]number|system|code</c>, <c>[prefix]number||code</c> or a bare number.
/// eq matches within the precision of the search value (5.4 matches [5.35, 5.45)).
/// </summary>
internal static class QuantitySearch
{
    public static IQueryable<long> Keys(FhirDbContext db, string? type, SearchClause clause)
    {
        var name = clause.Name;
        var match = Predicates.AnyOf(clause.Values.Select(v => Value(name, v)));
        return IndexScope.Scope(db.QuantityIndex, type, name).Where(match).Select(q => q.ResourceKey);
    }

    private static Expression<Func<QuantityIndexRow, bool>> Value(string name, string raw)
    {
        var (prefix, text) = PrefixParser.Split(raw);
        var parts = text.Split('|');
        if (parts.Length is not (1 or 3) || !decimal.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            throw Rest.FhirException.BadRequest($"'{raw}' is not a valid quantity for parameter '{name}' (number|system|code).", name);
        }

        var compare = NumberSearch.Compare<QuantityIndexRow>(prefix, number, q => q.Value);
        if (parts.Length == 1)
        {
            return compare;
        }

        var system = parts[1];
        var code = parts[2];
        Expression<Func<QuantityIndexRow, bool>> unit = (system.Length, code.Length) switch
        {
            (0, 0) => q => true,
            (0, _) => q => q.Code == code,
            (_, 0) => q => q.System == system,
            _ => q => q.System == system && q.Code == code,
        };
        var parameter = compare.Parameters[0];
        var unitBody = new ParameterSwap(unit.Parameters[0], parameter).Visit(unit.Body);
        return Expression.Lambda<Func<QuantityIndexRow, bool>>(Expression.AndAlso(compare.Body, unitBody), parameter);
    }

    private sealed class ParameterSwap(ParameterExpression from, ParameterExpression to) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : base.VisitParameter(node);
    }
}
