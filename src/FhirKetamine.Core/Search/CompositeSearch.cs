using System.Globalization;
using System.Linq.Expressions;
using FhirKetamine.Core.Search.Index;
using FhirKetamine.Core.Storage;

namespace FhirKetamine.Core.Search;

/// <summary>
/// Token$quantity composite parameters (<c>component-code-value-quantity=http://loinc.org|8480-6$gt140</c>): a code
/// (<c>system|code</c>, <c>|code</c> or <c>code</c>) and a quantity (<c>[prefix]number[|system|code]</c>) that must come
/// from the same element, matched on one row of <c>search_token_quantity</c>, where the indexer pairs them. A UCUM unit
/// that converts compares in base units, as in <see cref="QuantitySearch"/>.
/// </summary>
internal static class CompositeSearch
{
    public static IQueryable<long> Keys(FhirDbContext db, UcumCanonicalizer ucum, string? type, SearchClause clause)
    {
        if (clause.Modifier is not null)
        {
            throw Rest.FhirException.BadRequest($"{clause.RawName}: modifier ':{clause.Modifier}' is not supported on composite parameter '{clause.Name}' (supported: :missing).", clause.RawName);
        }

        var match = Predicates.AnyOf(clause.Values.Select(v => Value(ucum, clause.RawName, v)));
        return IndexScope.Scope(db.TokenQuantityIndex, type, clause.Name).Where(match).Select(r => r.ResourceKey);
    }

    private static Expression<Func<TokenQuantityIndexRow, bool>> Value(UcumCanonicalizer ucum, string name, string raw)
    {
        var halves = raw.Split('$');
        if (halves.Length != 2 || halves[0].Length == 0 || halves[1].Length == 0)
        {
            throw Rest.FhirException.BadRequest($"'{raw}' is not a valid value for '{name}': use [system|]code$[prefix]number[|system|code].", name);
        }

        var (prefix, text) = PrefixParser.Split(halves[1]);
        var unit = text.Split('|');
        if (unit.Length is not (1 or 3) || !decimal.TryParse(unit[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            throw Rest.FhirException.BadRequest($"'{raw}' is not a valid value for '{name}': '{halves[1]}' is not a quantity ([prefix]number[|system|code]).", name);
        }

        var parts = new List<Expression<Func<TokenQuantityIndexRow, bool>>> { NumberSearch.Compare<TokenQuantityIndexRow>(prefix, number, r => r.Value) };
        if (unit.Length == 3)
        {
            var (system, code) = (unit[1], unit[2]);
            if (system.Length > 0)
            {
                parts.Add(r => r.QuantitySystem == system);
            }

            if (code.Length > 0)
            {
                parts.Add(r => r.QuantityCode == code);
            }

            return Predicates.AllOf(Code(halves[0]), QuantitySearch.InBaseUnits(ucum, prefix, number, system, code, Predicates.AllOf(parts)));
        }

        return Predicates.AllOf([Code(halves[0]), .. parts]);
    }

    private static Expression<Func<TokenQuantityIndexRow, bool>> Code(string value)
    {
        var bar = value.IndexOf('|', StringComparison.Ordinal);
        if (bar < 0)
        {
            return r => r.Code == value;
        }

        var system = value[..bar];
        var code = value[(bar + 1)..];
        return code.Length == 0 ? r => r.System == system : r => r.System == system && r.Code == code;
    }
}
