using System.Globalization;
using System.Linq.Expressions;
using FhirKetamine.Core.Search.Index;
using FhirKetamine.Core.Storage;

namespace FhirKetamine.Core.Search;

/// <summary>
/// Quantity parameters: <c>[prefix]number|system|code</c>, <c>[prefix]number||code</c> or a bare number.
/// eq matches within the precision of the search value (5.4 matches [5.35, 5.45)). A UCUM system with a code that
/// converts compares in base units, so <c>gt5|http://unitsofmeasure.org|kg</c> matches 5500 g (README: quantity).
/// </summary>
internal static class QuantitySearch
{
    public static IQueryable<long> Keys(FhirDbContext db, UcumCanonicalizer ucum, string? type, SearchClause clause)
    {
        var name = clause.Name;
        var match = Predicates.AnyOf(clause.Values.Select(v => Value(ucum, name, v)));
        return IndexScope.Scope(db.QuantityIndex, type, name).Where(match).Select(q => q.ResourceKey);
    }

    private static Expression<Func<QuantityIndexRow, bool>> Value(UcumCanonicalizer ucum, string name, string raw)
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
        return InBaseUnits(ucum, prefix, number, system, code, Predicates.AllOf(compare, unit));
    }

    /// <summary>
    /// A quantity search value given as <paramref name="system"/>|<paramref name="code"/>: when that is a UCUM code that
    /// converts, compared in base units, rows without a canonical code matched by <paramref name="asRecorded"/> — a row in a
    /// unit that does not convert cannot carry this code, so those are rows written before the canonical columns existed;
    /// otherwise <paramref name="asRecorded"/> alone. Shared by quantity and token$quantity composite search.
    /// </summary>
    internal static Expression<Func<T, bool>> InBaseUnits<T>(UcumCanonicalizer ucum, Prefix prefix, decimal number, string system, string code, Expression<Func<T, bool>> asRecorded)
        where T : ICanonicalQuantity
    {
        if (system != UcumCanonicalizer.System || code.Length == 0 || ucum.Canonical(code) is not { } canonical)
        {
            return asRecorded;
        }

        var (low, high) = SearchValues.PrecisionBounds(number);
        var canonicalCode = canonical.Code;
        var converted = NumberSearch.Compare<T>(prefix, canonical.Scale(low), canonical.Scale(number), canonical.Scale(high), q => q.CanonicalValue!.Value);
        return Predicates.AnyOf(
        [
            Predicates.AllOf(q => q.CanonicalCode == canonicalCode, converted),
            Predicates.AllOf(q => q.CanonicalCode == null, asRecorded),
        ]);
    }
}
