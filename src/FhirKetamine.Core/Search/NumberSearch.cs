using System.Globalization;
using System.Linq.Expressions;
using FhirKetamine.Core.Search.Index;
using FhirKetamine.Core.Storage;

namespace FhirKetamine.Core.Search;

/// <summary>Number parameters with prefixes; eq and ne honour the precision of the search value.</summary>
internal static class NumberSearch
{
    public static IQueryable<long> Keys(FhirDbContext db, string? type, SearchClause clause)
    {
        var name = clause.Name;
        var match = Predicates.AnyOf(clause.Values.Select(raw =>
        {
            var (prefix, text) = PrefixParser.Split(raw);
            return decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                ? Compare<NumberIndexRow>(prefix, number, n => n.Value)
                : throw Rest.FhirException.BadRequest($"'{raw}' is not a valid number for parameter '{name}'.", name);
        }));
        return IndexScope.Scope(db.NumberIndex, type, name).Where(match).Select(n => n.ResourceKey);
    }

    /// <summary>Builds <c>value [op] number</c> for a prefix; shared with quantity search.</summary>
    public static Expression<Func<T, bool>> Compare<T>(Prefix prefix, decimal number, Expression<Func<T, double>> value)
    {
        var (low, high) = SearchValues.PrecisionRange(number);
        return Compare(prefix, low, (double)number, high, value);
    }

    /// <summary>
    /// <see cref="Compare{T}(Prefix, decimal, Expression{Func{T, double}})"/> with the number and its precision range
    /// given: quantity search converts all three to UCUM base units, so 5.4 kg is [5350, 5450) g.
    /// </summary>
    public static Expression<Func<T, bool>> Compare<T>(Prefix prefix, double low, double exact, double high, Expression<Func<T, double>> value)
    {
        var v = value.Body;
        Expression body = prefix switch
        {
            Prefix.Eq => Expression.AndAlso(Expression.GreaterThanOrEqual(v, Const(low)), Expression.LessThan(v, Const(high))),
            Prefix.Ne => Expression.OrElse(Expression.LessThan(v, Const(low)), Expression.GreaterThanOrEqual(v, Const(high))),
            Prefix.Gt or Prefix.Sa => Expression.GreaterThan(v, Const(exact)),
            Prefix.Lt or Prefix.Eb => Expression.LessThan(v, Const(exact)),
            Prefix.Ge => Expression.GreaterThanOrEqual(v, Const(exact)),
            Prefix.Le => Expression.LessThanOrEqual(v, Const(exact)),
            _ => Expression.AndAlso(
                Expression.GreaterThanOrEqual(v, Const(exact - Math.Abs(exact) * 0.1)),
                Expression.LessThanOrEqual(v, Const(exact + Math.Abs(exact) * 0.1))),
        };
        return Expression.Lambda<Func<T, bool>>(body, value.Parameters);
    }

    // Captured through a closure so EF Core sends a parameter, not a literal, and can reuse the plan.
    private static Expression Const(double d)
    {
        Expression<Func<double>> holder = () => d;
        return holder.Body;
    }
}
