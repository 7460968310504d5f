using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;
using FhirKetamine.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace FhirKetamine.Core.Search;

/// <summary>
/// Keyset paging (<see cref="PageCursor"/>): a page is the first <c>_count</c> rows strictly after (or, for a
/// <c>previous</c> link, strictly before) the cursor row in the search's total order, read with the order's terms
/// compared in SQL, <c>(t1 &gt; v1) OR (t1 = v1 AND t2 &gt; v2) OR …</c>, so no row before the page is scanned and
/// skipped. The page query also reads the order's values of its rows, from which the next cursors are made.
/// </summary>
public sealed partial class SearchExecutor
{
    /// <summary>One ORDER BY term: a value of the row (an <c>Expression&lt;Func&lt;ResourceRow, T&gt;&gt;</c>) and its direction.</summary>
    private sealed record OrderTerm(LambdaExpression Selector, bool Descending)
    {
        public Type Type => Selector.ReturnType;
    }

    /// <summary>A page row: the match and the values of the order's terms for it.</summary>
    private sealed record PageRow(SearchMatch Match, object?[] Values);

    private static readonly MethodInfo StringCompare = typeof(string).GetMethod(nameof(string.Compare), [typeof(string), typeof(string)])!;

    /// <summary>
    /// One page of <paramref name="rows"/>: <paramref name="count"/> + 1 rows (the extra one says whether there are more)
    /// after <paramref name="cursor"/>, or before it (then read in reverse order and turned back).
    /// </summary>
    private async Task<(List<PageRow> Rows, bool More)> PageAsync(IQueryable<ResourceRow> rows, List<OrderTerm> terms, PageCursor? cursor, int count, CancellationToken ct)
    {
        var before = cursor?.Before ?? false;
        if (cursor is not null)
        {
            rows = rows.Where(Beyond(terms, Values(terms, cursor), before));
        }

        var page = await Order(rows, terms, reverse: before).Take(count + 1).Select(Projection(terms)).ToListAsync(ct);
        var more = page.Count > count;
        if (more)
        {
            page.RemoveAt(page.Count - 1);
        }

        if (before)
        {
            page.Reverse();
        }

        return (page, more);
    }

    private static IQueryable<ResourceRow> Order(IQueryable<ResourceRow> rows, List<OrderTerm> terms, bool reverse)
    {
        var expression = rows.Expression;
        for (var i = 0; i < terms.Count; i++)
        {
            var method = (i == 0, terms[i].Descending != reverse) switch
            {
                (true, false) => nameof(Queryable.OrderBy),
                (true, true) => nameof(Queryable.OrderByDescending),
                (false, false) => nameof(Queryable.ThenBy),
                _ => nameof(Queryable.ThenByDescending),
            };
            expression = Expression.Call(typeof(Queryable), method, [typeof(ResourceRow), terms[i].Type], expression, Expression.Quote(terms[i].Selector));
        }

        return rows.Provider.CreateQuery<ResourceRow>(expression);
    }

    /// <summary>
    /// The rows strictly beyond the cursor in the order (reversed for a <c>previous</c> page). A null cursor value
    /// belongs to a term whose "has no value" flag is set: every row of that flag has none, so nothing is beyond it
    /// on that term and only equality (IS NULL) carries on to the next.
    /// </summary>
    private static Expression<Func<ResourceRow, bool>> Beyond(List<OrderTerm> terms, object?[] values, bool reverse)
    {
        var row = Expression.Parameter(typeof(ResourceRow), "r");
        Expression? any = null;
        Expression? equalSoFar = null;
        for (var i = 0; i < terms.Count; i++)
        {
            var term = Predicates.BodyOf(terms[i].Selector, row);
            var type = terms[i].Type;
            if (values[i] is { } value)
            {
                var parameter = Parameter(type, value);
                var after = Compare(term, parameter, descending: terms[i].Descending != reverse);
                var disjunct = equalSoFar is null ? after : Expression.AndAlso(equalSoFar, after);
                any = any is null ? disjunct : Expression.OrElse(any, disjunct);
                var equal = Expression.Equal(term, parameter);
                equalSoFar = equalSoFar is null ? equal : Expression.AndAlso(equalSoFar, equal);
            }
            else
            {
                var isNull = Expression.Equal(term, Expression.Constant(null, type));
                equalSoFar = equalSoFar is null ? isNull : Expression.AndAlso(equalSoFar, isNull);
            }
        }

        return Expression.Lambda<Func<ResourceRow, bool>>(any ?? Expression.Constant(false), row);
    }

    /// <summary><c>term &gt; value</c> (or &lt;), strings through <c>string.Compare</c>, which EF Core turns into SQL's own comparison.</summary>
    private static Expression Compare(Expression term, Expression value, bool descending)
    {
        if (term.Type == typeof(string))
        {
            var compared = Expression.Call(StringCompare, term, value);
            return descending ? Expression.LessThan(compared, Expression.Constant(0)) : Expression.GreaterThan(compared, Expression.Constant(0));
        }

        return descending ? Expression.LessThan(term, value) : Expression.GreaterThan(term, value);
    }

    /// <summary>A cursor value as a SQL parameter, not a constant: the statement (and its cached plan) is the same for every page.</summary>
    private static Expression Parameter(Type type, object value)
    {
        var holder = Activator.CreateInstance(typeof(Holder<>).MakeGenericType(type), value)!;
        return Expression.Field(Expression.Constant(holder), nameof(Holder<object>.Value));
    }

    private sealed class Holder<T>(T value)
    {
        public readonly T Value = value;
    }

    /// <summary><c>r =&gt; new PageRow(new SearchMatch(…), new object?[] { term1, term2, … })</c>.</summary>
    private Expression<Func<ResourceRow, PageRow>> Projection(List<OrderTerm> terms)
    {
        Expression<Func<ResourceRow, SearchMatch>> match = r => new SearchMatch(r.Key, r.Type, r.LogicalId, r.VersionId, r.LastUpdated,
            db.Versions.Where(v => v.ResourceKey == r.Key && v.VersionId == r.VersionId).Select(v => v.Json).First());
        var row = match.Parameters[0];
        var values = Expression.NewArrayInit(typeof(object),
            terms.Select(t => Expression.Convert(Predicates.BodyOf(t.Selector, row), typeof(object))));
        var constructor = typeof(PageRow).GetConstructor([typeof(SearchMatch), typeof(object[])])!;
        return Expression.Lambda<Func<ResourceRow, PageRow>>(Expression.New(constructor, match.Body, values), row);
    }

    /// <summary>The cursor that continues after (or before) <paramref name="row"/>.</summary>
    private static PageCursor CursorAt(PageRow row, string sort, long snapshot, bool before) =>
        new(snapshot, before, sort, row.Values.Select(Format).ToArray());

    private static string? Format(object? value) => value switch
    {
        null => null,
        DateTime d => d.ToString("O", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    /// <summary>The cursor's values typed as its terms; a cursor made for another order is refused.</summary>
    private static object?[] Values(List<OrderTerm> terms, PageCursor cursor)
    {
        if (cursor.Values.Count != terms.Count)
        {
            throw Rest.FhirException.BadRequest($"The {PageCursor.ParameterName} does not belong to this search's _sort; follow the Bundle's links as given.", PageCursor.ParameterName);
        }

        var values = new object?[terms.Count];
        for (var i = 0; i < terms.Count; i++)
        {
            var type = Nullable.GetUnderlyingType(terms[i].Type) ?? terms[i].Type;
            values[i] = cursor.Values[i] is not { } text ? null : Parse(type, text)
                ?? throw Rest.FhirException.BadRequest($"The {PageCursor.ParameterName} is damaged; follow the Bundle's links as given.", PageCursor.ParameterName);
        }

        return values;
    }

    private static object? Parse(Type type, string text)
    {
        var invariant = CultureInfo.InvariantCulture;
        return type switch
        {
            _ when type == typeof(string) => text,
            _ when type == typeof(long) => long.TryParse(text, NumberStyles.Integer, invariant, out var l) ? l : null,
            _ when type == typeof(int) => int.TryParse(text, NumberStyles.Integer, invariant, out var i) ? i : null,
            _ when type == typeof(double) => double.TryParse(text, NumberStyles.Float, invariant, out var d) ? d : null,
            _ when type == typeof(DateTime) => DateTime.TryParse(text, invariant, DateTimeStyles.RoundtripKind, out var t) ? t : null,
            _ => null,
        };
    }
}
