using System.Linq.Expressions;
using FhirKetamine.Core.Search.Index;
using FhirKetamine.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace FhirKetamine.Core.Search;

/// <summary>
/// Token parameters: <c>code</c>, <c>system|code</c>, <c>|code</c>, <c>system|</c>, <c>:text</c>, <c>:in</c> (a ValueSet's
/// codes, expanded beforehand by <see cref="SearchValueSets"/>) and, on identifiers, <c>:of-type</c>
/// (<c>typeSystem|typeCode|value</c>). <c>:not</c> and <c>:not-in</c> are the complement of these, applied by the executor.
/// </summary>
internal static class TokenSearch
{
    public const string Supported = ":text, :not, :in, :not-in, :missing";

    public static IQueryable<long> Keys(FhirDbContext db, string? type, SearchClause clause)
    {
        var name = clause.Name;
        var parameter = clause.Parameter!;
        switch (clause.Modifier)
        {
            case "of-type":
                if (!parameter.OfIdentifiers)
                {
                    throw Rest.FhirException.BadRequest(
                        $"{clause.RawName}: ':of-type' applies to identifier parameters only, and '{name}' is not one (supported: {Supported}).", clause.RawName);
                }

                var ofType = Predicates.AnyOf(clause.Values.Select(v => OfType(clause, v)));
                return IndexScope.Scope(db.TokenIndex, type, parameter.OfTypeIndexName).Where(ofType).Select(t => t.ResourceKey);
            case "in":
                var codes = clause.ValueSet
                    ?? throw new InvalidOperationException($"{clause.RawName}: the ValueSet was not expanded (SearchValueSets.ResolveAsync) before the query was built.");
                return IndexScope.Scope(db.TokenIndex, type, name).Where(In(codes)).Select(t => t.ResourceKey);
        }

        var match = clause.Modifier switch
        {
            "text" => Predicates.AnyOf(clause.Values.Select(v => Text(SearchValues.NormalizeString(v)))),
            null => Predicates.AnyOf(clause.Values.Select(Value)),
            _ => throw Rest.FhirException.BadRequest(
                $"Modifier ':{clause.Modifier}' is not supported on token parameter '{name}' (supported: {Supported}{(parameter.OfIdentifiers ? ", :of-type" : string.Empty)}).",
                clause.RawName),
        };
        return IndexScope.Scope(db.TokenIndex, type, name).Where(match).Select(t => t.ResourceKey);
    }

    /// <summary>
    /// The ValueSet's codes, one array parameter per code system (EF.Parameter: a JSON array read by <c>json_each</c>
    /// on SQLite, a PostgreSQL array with <c>= ANY</c>), rather than one SQL parameter per code.
    /// </summary>
    private static Expression<Func<TokenIndexRow, bool>> In(ValueSetCodes codes) =>
        Predicates.AnyOf(codes.BySystem.Select(kv =>
        {
            var system = kv.Key;
            var inSystem = kv.Value;
            return (Expression<Func<TokenIndexRow, bool>>)(t => t.System == system && EF.Parameter(inSystem).Contains(t.Code));
        }));

    /// <summary><c>system|code|value</c>: the identifier's type coding and its value, all three required.</summary>
    private static Expression<Func<TokenIndexRow, bool>> OfType(SearchClause clause, string value)
    {
        var parts = value.Split('|', 3);
        if (parts.Length != 3 || parts.Any(p => p.Length == 0))
        {
            throw Rest.FhirException.BadRequest(
                $"'{value}' is not a valid value for {clause.RawName}: it takes [type system]|[type code]|[identifier value], all three.", clause.RawName);
        }

        var system = parts[0];
        var code = SearchValues.Truncate(SearchValues.OfTypeCode(parts[1], parts[2]), 256);
        return t => t.System == system && t.Code == code;
    }

    private static Expression<Func<TokenIndexRow, bool>> Text(string text) =>
        t => t.Text != null && t.Text.StartsWith(text);

    internal static Expression<Func<TokenIndexRow, bool>> Value(string value)
    {
        var (system, code) = TokenValue.Parse(value);
        return system is null ? t => t.Code == code
            : code is null ? t => t.System == system
            : t => t.System == system && t.Code == code;
    }
}
