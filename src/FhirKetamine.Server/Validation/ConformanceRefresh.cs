using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Storage;
using FhirKetamine.Core.Validation;

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FhirKetamine.Server.Validation;

/// <summary>
/// Several instances share one database, so a profile, ValueSet or CodeSystem written through one must be
/// enforced by the others. Every <see cref="ValidationOptions.ConformanceRefreshSeconds"/> this reads the
/// (type, id, version) of every conformance resource — a few hundred narrow rows through the
/// (Type, LogicalId) index — and hands each one whose version moved to the validator, which swaps in a new
/// context (or does nothing when the content is what it already has, e.g. this instance's own write).
/// Polling works the same on SQLite and PostgreSQL and has no clock to trust; LISTEN/NOTIFY would cut the
/// delay on PostgreSQL but not the need for this catch-up after a lost connection.
/// </summary>
internal sealed partial class ConformanceRefresh(
    ResourceValidator validator,
    IServiceScopeFactory scopes,
    FhirSerialization fhir,
    IOptions<ValidationOptions> options,
    ILogger<ConformanceRefresh> logger) : BackgroundService
{
    private readonly Dictionary<(string Type, string Id), int> _seen = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var seconds = options.Value.ConformanceRefreshSeconds;
        if (validator.Mode == ValidationMode.Off || seconds <= 0)
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

    /// <summary>One pass; returns how many changed resources were handed to the validator.</summary>
    internal async Task<int> RefreshAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<FhirDbContext>();
        var types = ConformanceResource.Types.ToList();
        var current = await db.Resources.AsNoTracking()
            .Where(r => types.Contains(r.Type))
            .Select(r => new { r.Key, r.Type, r.LogicalId, r.VersionId, r.IsDeleted })
            .ToListAsync(ct);

        // The first pass hands over everything: a change made by another instance between this instance's
        // first read of the store and now must not be missed. Unchanged content is a no-op in the validator.
        var changed = current.Where(r => !_seen.TryGetValue((r.Type, r.LogicalId), out var v) || v != r.VersionId).ToList();
        foreach (var row in changed)
        {
            ct.ThrowIfCancellationRequested();
            var json = row.IsDeleted
                ? null
                : await db.Versions.AsNoTracking()
                    .Where(v => v.ResourceKey == row.Key && v.VersionId == row.VersionId)
                    .Select(v => v.Json)
                    .SingleOrDefaultAsync(ct);
            await validator.ConformanceChangedAsync(row.Type, row.LogicalId, row.VersionId, json is { Length: > 0 } ? fhir.ParseStored(json) : null, ct);
            _seen[(row.Type, row.LogicalId)] = row.VersionId;
        }

        return changed.Count;
    }

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "Could not look for conformance resources changed by other instances")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
