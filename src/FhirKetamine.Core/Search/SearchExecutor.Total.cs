using System.Data;
using System.Text.Json;
using FhirKetamine.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace FhirKetamine.Core.Search;

/// <summary>Bundle.total as <c>_total</c> asks for it.</summary>
public sealed partial class SearchExecutor
{
    /// <summary><c>_total=estimate</c> counts at most this many matches exactly.</summary>
    public const int EstimateCap = 1000;

    /// <summary>
    /// <c>accurate</c> (the default) counts every match. <c>none</c> counts nothing (<c>_summary=count</c> still counts:
    /// the count is its answer). <c>estimate</c> counts at most <see cref="EstimateCap"/> + 1 matches (a COUNT over a
    /// LIMIT sub-query: the database stops reading at the cap), so up to the cap the total is exact and costs what the
    /// first 1,000 matches cost, not what 250,000 do. Beyond the cap the total is PostgreSQL's planner estimate for the
    /// match query (EXPLAIN, not run; never below the cap + 1), and absent on SQLite, which has no row estimate to
    /// give (the server keeps no ANALYZE statistics); <c>Capped</c> says the count stopped, and the Bundle says so.
    /// </summary>
    private async Task<(int? Total, bool Capped)> TotalAsync(SearchQuery query, IQueryable<ResourceRow> rows, CancellationToken ct)
    {
        switch (query.Total)
        {
            case "none" when !query.SummaryCount:
                return (null, false);
            case "estimate":
                var counted = await rows.Select(r => r.Key).Take(EstimateCap + 1).CountAsync(ct);
                if (counted <= EstimateCap)
                {
                    return (counted, false);
                }

                return (await PlannerEstimateAsync(rows, ct) is { } estimate ? Math.Max(estimate, EstimateCap + 1) : null, true);
            default:
                return (await rows.CountAsync(ct), false);
        }
    }

    /// <summary>PostgreSQL's estimate of the rows the match query returns (<c>EXPLAIN (FORMAT JSON)</c>'s top Plan Rows); null elsewhere.</summary>
    private async Task<int?> PlannerEstimateAsync(IQueryable<ResourceRow> rows, CancellationToken ct)
    {
        if (db.Database.ProviderName?.Contains("Npgsql", StringComparison.Ordinal) != true)
        {
            return null;
        }

        await using var command = rows.Select(r => r.Key).CreateDbCommand();
        command.CommandText = "EXPLAIN (FORMAT JSON) " + command.CommandText;
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        var opened = command.Connection!.State != ConnectionState.Open;
        if (opened)
        {
            await db.Database.OpenConnectionAsync(ct);
        }

        try
        {
            if (await command.ExecuteScalarAsync(ct) is not string plan)
            {
                return null;
            }

            using var document = JsonDocument.Parse(plan);
            var estimate = document.RootElement[0].GetProperty("Plan").GetProperty("Plan Rows").GetDouble();
            return (int)Math.Min(estimate, int.MaxValue);
        }
        finally
        {
            if (opened)
            {
                await db.Database.CloseConnectionAsync();
            }
        }
    }
}
