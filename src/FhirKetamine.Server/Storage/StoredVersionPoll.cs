using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Storage;

using Hl7.Fhir.Model;

using Microsoft.EntityFrameworkCore;

namespace FhirKetamine.Server.Storage;

/// <summary>
/// The catch-up of one instance with the writes of the others on the same database: every <see cref="Interval"/>
/// it reads the (type, id, version) of every stored resource of <see cref="Types"/> — a few hundred narrow rows
/// through the (Type, LogicalId) index — and hands each one whose version moved since its last pass (every one, on
/// the first: a change made between this instance's own load and now must not be missed) to <see cref="ChangedAsync"/>
/// with its current content (null when deleted). Polling works the same on SQLite and PostgreSQL and has no clock to
/// trust; LISTEN/NOTIFY would cut the delay on PostgreSQL but not the need for this catch-up after a lost connection.
/// </summary>
internal abstract class StoredVersionPoll(IServiceScopeFactory scopes, FhirSerialization fhir) : BackgroundService
{
    private readonly Dictionary<(string Type, string Id), int> _seen = [];
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>The resource types watched.</summary>
    protected abstract IReadOnlyCollection<string> Types { get; }

    /// <summary>Time between passes; null: no polling (a single instance, or nothing to keep in step).</summary>
    protected abstract TimeSpan? Interval { get; }

    /// <summary>One resource whose stored version moved; versions can arrive out of order with the instance's own writes.</summary>
    protected abstract Task ChangedAsync(string type, string id, int version, Resource? resource, CancellationToken ct);

    /// <summary>A pass failed (the database may be restarting): the next one catches up.</summary>
    protected abstract void LogFailed(Exception exception);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (Interval is not { } interval)
        {
            return;
        }

        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(ex);
            }
        }
    }

    /// <summary>One pass; returns how many changed resources were handed over.</summary>
    internal async Task<int> RefreshAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<FhirDbContext>();
            var types = Types.ToList();
            var current = await db.Resources.AsNoTracking()
                .Where(r => types.Contains(r.Type))
                .Select(r => new { r.Key, r.Type, r.LogicalId, r.VersionId, r.IsDeleted })
                .ToListAsync(ct);
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
                await ChangedAsync(row.Type, row.LogicalId, row.VersionId, json is { Length: > 0 } ? fhir.ParseStored(json) : null, ct);
                _seen[(row.Type, row.LogicalId)] = row.VersionId;
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
}
