using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Search;
using FhirKetamine.Core.Storage;
using FhirKetamine.Core.Validation;

using Hl7.Fhir.Model;

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FhirKetamine.Server.Search;

/// <summary>
/// Keeps <see cref="SearchParameterRegistry"/> in step with the SearchParameter resources in the database, the way
/// <c>ConformanceRefresh</c> does for the validator: once at start (after the IG package is loaded, so the
/// parameters already stored by an earlier start count before the first request), then every
/// <see cref="ValidationOptions.ConformanceRefreshSeconds"/> for those another instance on the same database
/// created, changed or deleted. Writes through this instance reach the registry at once
/// (<see cref="ResourceInteractions"/>); a version older than the registry's is ignored there.
/// </summary>
internal sealed partial class SearchParameterRefresh(
    SearchParameterRegistry registry,
    IServiceScopeFactory scopes,
    FhirSerialization fhir,
    IOptions<ValidationOptions> options,
    ILogger<SearchParameterRefresh> logger) : BackgroundService
{
    private readonly Dictionary<string, int> _seen = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var seconds = options.Value.ConformanceRefreshSeconds;
        if (seconds <= 0)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(seconds));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogRefreshFailed(logger, ex); // the database may be restarting: the next tick catches up
            }
        }
    }

    /// <summary>One pass; returns how many SearchParameters whose version moved were handed to the registry.</summary>
    internal async Task<int> RefreshAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<FhirDbContext>();
            var current = await db.Resources.AsNoTracking()
                .Where(r => r.Type == "SearchParameter")
                .Select(r => new { r.Key, r.LogicalId, r.VersionId, r.IsDeleted })
                .ToListAsync(ct);
            var changed = current.Where(r => !_seen.TryGetValue(r.LogicalId, out var v) || v != r.VersionId).ToList();
            foreach (var row in changed)
            {
                ct.ThrowIfCancellationRequested();
                var json = row.IsDeleted
                    ? null
                    : await db.Versions.AsNoTracking()
                        .Where(v => v.ResourceKey == row.Key && v.VersionId == row.VersionId)
                        .Select(v => v.Json)
                        .SingleOrDefaultAsync(ct);
                registry.Changed(row.LogicalId, row.VersionId, json is { Length: > 0 } ? fhir.ParseStored(json) as SearchParameter : null);
                _seen[row.LogicalId] = row.VersionId;
            }

            return changed.Count;
        }
        finally
        {
            _gate.Release();
        }
    }

    public override void Dispose()
    {
        _gate.Dispose();
        base.Dispose();
    }

    [LoggerMessage(EventId = 5201, Level = LogLevel.Warning, Message = "Could not look for SearchParameters changed by other instances")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
