using System.Globalization;
using System.Linq.Expressions;
using FhirKetamine.Core.Search.Index;
using FhirKetamine.Core.Storage;
using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Search;

/// <summary>
/// Composite parameters of two parts, a token and a value that must come from the same element, matched on one row where
/// the indexer paired them. Token$quantity (<c>component-code-value-quantity=http://loinc.org|8480-6$gt140</c>): a code
/// (<c>system|code</c>, <c>|code</c> or <c>code</c>) and a quantity (<c>[prefix]number[|system|code]</c>) on a row of
/// <c>search_token_quantity</c>; a UCUM unit that converts compares in base units, as in <see cref="QuantitySearch"/>.
/// Token$token, token$string and token$date (<c>code-value-concept=http://loinc.org|X$http://snomed.info/sct|Y</c>,
/// <c>code-value-string=X$pos</c>, <c>code-value-date=X$ge2026-03</c>) on a row of <c>search_composite</c>, the value
/// matched as its own parameter type matches it (token forms; string starts-with, case- and accent-insensitive; date
/// prefixes over ranges).
/// </summary>
internal static class CompositeSearch
{
    public static IQueryable<long> Keys(FhirDbContext db, UcumCanonicalizer ucum, TimeProvider clock, string? type, SearchClause clause)
    {
        if (clause.Modifier is not null)
        {
            throw Rest.FhirException.BadRequest($"{clause.RawName}: modifier ':{clause.Modifier}' is not supported on composite parameter '{clause.Name}' (supported: :missing).", clause.RawName);
        }

        var valueType = clause.Parameter!.CompositeValueType;
        if (valueType == SearchParamType.Quantity)
        {
            var match = Predicates.AnyOf(clause.Values.Select(v => Value(ucum, clause.RawName, v)));
            return IndexScope.Scope(db.TokenQuantityIndex, type, clause.Name).Where(match).Select(r => r.ResourceKey);
        }

        var pairs = Predicates.AnyOf(clause.Values.Select(v => Pair(valueType, clause.RawName, v, clock)));
        return IndexScope.Scope(db.CompositeIndex, type, clause.Name).Where(pairs).Select(r => r.ResourceKey);
    }

    /// <summary>The rows a composite's <c>:missing</c> looks for.</summary>
    public static IQueryable<long> AnyValue(FhirDbContext db, SearchParameterInfo parameter) => parameter.CompositeValueType == SearchParamType.Quantity
        ? db.TokenQuantityIndex.Where(t => t.ParamName == parameter.Name).Select(t => t.ResourceKey)
        : db.CompositeIndex.Where(t => t.ParamName == parameter.Name).Select(t => t.ResourceKey);

    private static Expression<Func<CompositeIndexRow, bool>> Pair(SearchParamType? valueType, string name, string raw, TimeProvider clock)
    {
        var halves = raw.Split('$');
        if (halves.Length != 2 || halves[0].Length == 0 || halves[1].Length == 0)
        {
            throw Rest.FhirException.BadRequest($"'{raw}' is not a valid value for '{name}': use [system|]code${Form(valueType)}.", name);
        }

        var (first, second) = (halves[0], halves[1]);
        return Predicates.AllOf(First(first), valueType switch
        {
            SearchParamType.Token => SecondToken(second),
            SearchParamType.String => SecondString(SearchValues.NormalizeString(second)),
            SearchParamType.Date => SecondDate(name, second, clock),
            _ => throw Rest.FhirException.BadRequest($"Composite parameter '{name}' is not supported.", name),
        });
    }

    private static string Form(SearchParamType? valueType) => valueType switch
    {
        SearchParamType.Token => "[system|]code",
        SearchParamType.String => "text",
        SearchParamType.Date => "[prefix]date",
        _ => "value",
    };

    private static Expression<Func<CompositeIndexRow, bool>> First(string value)
    {
        var (system, code) = TokenValue.Parse(value);
        return system is null ? r => r.Code == code
            : code is null ? r => r.System == system
            : r => r.System == system && r.Code == code;
    }

    private static Expression<Func<CompositeIndexRow, bool>> SecondToken(string value)
    {
        var (system, code) = TokenValue.Parse(value);
        return system is null ? r => r.ValueCode == code
            : code is null ? r => r.ValueSystem == system
            : r => r.ValueSystem == system && r.ValueCode == code;
    }

    private static Expression<Func<CompositeIndexRow, bool>> SecondString(string normalized) =>
        r => r.ValueText != null && r.ValueText.StartsWith(normalized);

    /// <summary>The prefixes of <see cref="DateSearch.Match"/>, over the row's [Start, End) (half-open, as in search_date).</summary>
    private static Expression<Func<CompositeIndexRow, bool>> SecondDate(string name, string raw, TimeProvider clock)
    {
        var (prefix, start, end) = DateSearch.Parse(name, raw);
        if (prefix == Prefix.Ap)
        {
            var slack = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerDay, (clock.GetUtcNow().UtcDateTime - start).Duration().Ticks / 10));
            var (low, high) = (start - slack, end + slack);
            return r => r.Start < high && r.End > low;
        }

        return prefix switch
        {
            Prefix.Eq => r => r.Start >= start && r.End <= end,
            Prefix.Ne => r => r.Start < start || r.End > end,
            Prefix.Gt => r => r.End > end,
            Prefix.Lt => r => r.Start < start,
            Prefix.Ge => r => r.End > start,
            Prefix.Le => r => r.Start < end,
            Prefix.Sa => r => r.Start >= end,
            _ => r => r.End <= start, // eb
        };
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
        var (system, code) = TokenValue.Parse(value);
        return system is null ? r => r.Code == code
            : code is null ? r => r.System == system
            : r => r.System == system && r.Code == code;
    }
}
