using System.Linq.Expressions;
using FhirKetamine.Core.Search.Index;
using FhirKetamine.Core.Storage;

namespace FhirKetamine.Core.Search;

/// <summary>
/// Date parameters with range semantics (R4 search.html#date): both the search value and the indexed
/// value are UTC ranges, and each prefix is a comparison of their bounds. Every range is half-open,
/// [Start, End), as Firely's <c>DateTimeRange</c> gives it (the day 2013-03-14 is [14 Mar 00:00, 15 Mar 00:00)):
/// so a period that starts at 15 Mar 00:00 starts after 2013-03-14 (<c>sa</c>) and is not at or before it (<c>le</c>).
/// </summary>
internal static class DateSearch
{
    public static IQueryable<long> Keys(FhirDbContext db, string? type, SearchClause clause, TimeProvider clock)
    {
        var name = clause.Name;
        var match = Predicates.AnyOf(clause.Values.Select(v => Match(clause.Name, v, clock)));
        return IndexScope.Scope(db.DateIndex, type, name).Where(match).Select(d => d.ResourceKey);
    }

    public static Expression<Func<DateIndexRow, bool>> Match(string name, string raw, TimeProvider clock)
    {
        var (prefix, start, end) = Parse(name, raw);
        return prefix switch
        {
            Prefix.Eq => d => d.Start >= start && d.End <= end,
            Prefix.Ne => d => d.Start < start || d.End > end,
            Prefix.Gt => d => d.End > end,
            Prefix.Lt => d => d.Start < start,
            Prefix.Ge => d => d.End > start,
            Prefix.Le => d => d.Start < end,
            Prefix.Sa => d => d.Start >= end,
            Prefix.Eb => d => d.End <= start,
            _ => Approximately(start, end, clock),
        };
    }

    /// <summary><c>_lastUpdated</c>: the same prefixes against the resource row's instant (a point, against the half-open search range).</summary>
    public static Expression<Func<ResourceRow, bool>> MatchLastUpdated(string raw, TimeProvider clock)
    {
        var (prefix, start, end) = Parse("_lastUpdated", raw);
        if (prefix == Prefix.Ap)
        {
            var slack = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerDay, (clock.GetUtcNow().UtcDateTime - start).Duration().Ticks / 10));
            var (low, high) = (start - slack, end + slack);
            return r => r.LastUpdated >= low && r.LastUpdated < high;
        }

        return prefix switch
        {
            Prefix.Eq => r => r.LastUpdated >= start && r.LastUpdated < end,
            Prefix.Ne => r => r.LastUpdated < start || r.LastUpdated >= end,
            Prefix.Gt or Prefix.Sa => r => r.LastUpdated >= end,
            Prefix.Lt or Prefix.Eb => r => r.LastUpdated < start,
            Prefix.Ge => r => r.LastUpdated >= start,
            _ => r => r.LastUpdated < end,
        };
    }

    /// <summary>The range a prefixed date value covers, e.g. <c>ge2026-03</c> → (Ge, 1 March, end of March).</summary>
    public static (Prefix Prefix, DateTime Start, DateTime End) Parse(string name, string raw)
    {
        var (prefix, value) = PrefixParser.Split(raw);
        if (!SearchValues.TryDateRange(value, out var start, out var end))
        {
            throw Rest.FhirException.BadRequest($"'{raw}' is not a valid date for parameter '{name}'.", name);
        }

        return (prefix, start, end);
    }

    /// <summary>ap: within 10% of the distance between the value and now (at least a day), as the spec suggests.</summary>
    private static Expression<Func<DateIndexRow, bool>> Approximately(DateTime start, DateTime end, TimeProvider clock)
    {
        var gap = (clock.GetUtcNow().UtcDateTime - start).Duration();
        var slack = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerDay, gap.Ticks / 10));
        var low = start - slack;
        var high = end + slack;
        return d => d.Start < high && d.End > low;
    }
}
