using System.Globalization;

using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Smart;
using FhirKetamine.Core.Storage;

using Hl7.Fhir.Model;

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace FhirKetamine.Core.Search.Reindex;

/// <summary>
/// <c>$reindex</c>: rewrites the search-index rows of every current resource (of one type, or all) from the
/// SearchParameters in force now, so resources stored before a SearchParameter was added or changed become
/// searchable by it. A job runs in the background in keyset-ordered chunks of <see cref="ChunkSize"/> resources,
/// each chunk in its own transaction together with the job's progress; at most one job per scope is active.
/// <para>
/// A write racing a chunk must not end with the chunk's (older) rows: the chunk first locks the resource rows it
/// will rewrite (an <c>UPDATE … SET VersionId = VersionId</c>), then reads their current versions; a write locks
/// its resource row the same way before it deletes the old index rows (<see cref="ResourceInteractions"/>). So
/// either the write waits for the chunk, and then deletes the chunk's rows and writes its own, or the chunk waits
/// for the write, and then indexes the version the write stored.
/// </para>
/// </summary>
public sealed partial class ReindexJobs(FhirDbContext db, SearchIndexer indexer, FhirSerialization fhir, TimeProvider clock, ILogger<ReindexJobs> logger)
{
    public const int ChunkSize = 200;

    private const int MaxChunkTries = 10;

    /// <summary>How long a worker's claim lasts without progress before another worker may take the job over.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(60);

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>
    /// Only a caller with every permission on every type at system level (<c>system/*.cruds</c>, <c>system/*.*</c>)
    /// may reindex: a job reads and rewrites rows of every resource, whoever they belong to.
    /// </summary>
    public static void Demand(SmartAccess access)
    {
        if (!access.Scopes.Any(s => s is { Context: "system", ResourceType: "*", Filter: null } && "cruds".All(p => s.Permissions.Contains(p, StringComparison.Ordinal))))
        {
            throw new FhirException(System.Net.HttpStatusCode.Forbidden, OperationOutcome.IssueType.Forbidden,
                "$reindex needs the scope system/*.cruds (system/*.*): it rewrites the search index of every resource.");
        }
    }

    /// <summary>Queues a job for <paramref name="type"/> (null: every type), or returns the one already active for it (<c>Existing</c> true).</summary>
    public async Task<(ReindexJobRow Job, bool Existing)> KickOffAsync(string? type, string? clientId, CancellationToken ct)
    {
        var scope = type ?? "*";
        if (await db.ReindexJobs.AsNoTracking().FirstOrDefaultAsync(j => j.ActiveScope == scope, ct) is { } active)
        {
            return (active, true);
        }

        var total = await db.Resources.Where(r => !r.IsDeleted && (type == null || r.Type == type)).LongCountAsync(ct);
        var job = new ReindexJobRow
        {
            Id = Guid.NewGuid().ToString("N"),
            Status = ReindexStatus.Queued,
            Scope = scope,
            ActiveScope = scope,
            Total = total,
            ClientId = clientId,
            CreatedUtc = Now,
        };
        db.ReindexJobs.Add(job);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Another kick-off for the same scope inserted first (the unique ActiveScope): answer with its job.
            db.ChangeTracker.Clear();
            if (await db.ReindexJobs.AsNoTracking().FirstOrDefaultAsync(j => j.ActiveScope == scope, ct) is { } raced)
            {
                return (raced, true);
            }

            throw;
        }

        db.ChangeTracker.Clear();
        LogQueued(logger, job.Id, scope, total);
        return (job, false);
    }

    public async Task<ReindexJobRow> FindAsync(string id, CancellationToken ct) =>
        await db.ReindexJobs.AsNoTracking().FirstOrDefaultAsync(j => j.Id == id, ct)
        ?? throw FhirException.NotFound($"There is no $reindex job '{id}'.");

    /// <summary>Takes the oldest queued job, or one whose worker's lease ran out, for <paramref name="owner"/>.</summary>
    public async Task<ReindexJobRow?> ClaimNextAsync(string owner, CancellationToken ct)
    {
        var now = Now;
        var candidates = await db.ReindexJobs.AsNoTracking()
            .Where(j => j.Status == ReindexStatus.Queued || (j.Status == ReindexStatus.Running && j.LeaseExpiresUtc < now))
            .OrderBy(j => j.CreatedUtc)
            .Select(j => new { j.Id, j.Attempt })
            .Take(4)
            .ToListAsync(ct);
        foreach (var candidate in candidates)
        {
            // The attempt number makes the claim a compare-and-swap: of two workers, one updates the row.
            var claimed = await db.ReindexJobs
                .Where(j => j.Id == candidate.Id && j.Attempt == candidate.Attempt
                    && (j.Status == ReindexStatus.Queued || (j.Status == ReindexStatus.Running && j.LeaseExpiresUtc < now)))
                .ExecuteUpdateAsync(s => s
                    .SetProperty(j => j.Status, ReindexStatus.Running)
                    .SetProperty(j => j.Owner, owner)
                    .SetProperty(j => j.Attempt, candidate.Attempt + 1)
                    .SetProperty(j => j.LeaseExpiresUtc, now + Lease), ct);
            if (claimed == 1)
            {
                return await db.ReindexJobs.AsNoTracking().FirstAsync(j => j.Id == candidate.Id, ct);
            }
        }

        return null;
    }

    /// <summary>
    /// Runs a claimed job chunk by chunk to its end (completed, or failed with an OperationOutcome). When
    /// <paramref name="stopping"/> fires it stops between chunks and leaves the job to the next claim, which goes on
    /// from the last committed chunk. A job another worker took over (its lease ran out) is given up.
    /// </summary>
    public async Task RunAsync(ReindexJobRow job, string owner, CancellationToken stopping)
    {
        var type = job.Scope == "*" ? null : job.Scope;
        var lastKey = job.LastKey;
        var attempt = job.Attempt;
        try
        {
            while (true)
            {
                stopping.ThrowIfCancellationRequested();
                var keys = await db.Resources.AsNoTracking()
                    .Where(r => r.Key > lastKey && !r.IsDeleted && (type == null || r.Type == type))
                    .OrderBy(r => r.Key)
                    .Select(r => r.Key)
                    .Take(ChunkSize)
                    .ToListAsync(stopping);
                if (keys.Count == 0)
                {
                    break;
                }

                if (!await ChunkWithRetriesAsync(job.Id, owner, attempt, keys, stopping))
                {
                    LogAbandoned(logger, job.Id);
                    return;
                }

                lastKey = keys[^1];
            }

            var now = Now;
            await Mine(job.Id, owner, attempt).ExecuteUpdateAsync(s => s
                .SetProperty(j => j.Status, ReindexStatus.Completed)
                .SetProperty(j => j.ActiveScope, (string?)null)
                .SetProperty(j => j.CompletedUtc, now)
                .SetProperty(j => j.Owner, (string?)null)
                .SetProperty(j => j.LeaseExpiresUtc, (DateTime?)null), CancellationToken.None);
            LogCompleted(logger, job.Id);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping: give the lease back so the next start (of this or another instance) goes on at once.
            await Mine(job.Id, owner, attempt).ExecuteUpdateAsync(s => s
                .SetProperty(j => j.Status, ReindexStatus.Queued)
                .SetProperty(j => j.Owner, (string?)null)
                .SetProperty(j => j.LeaseExpiresUtc, (DateTime?)null), CancellationToken.None);
        }
        catch (Exception e)
        {
            LogFailed(logger, e, job.Id);
            db.ChangeTracker.Clear();
            var error = fhir.ToJson(Outcomes.Error(OperationOutcome.IssueType.Exception,
                $"The reindex failed after resource key {lastKey.ToString(CultureInfo.InvariantCulture)}; quote job {job.Id} to the operator and start it again."));
            var now = Now;
            await Mine(job.Id, owner, attempt).ExecuteUpdateAsync(s => s
                .SetProperty(j => j.Status, ReindexStatus.Failed)
                .SetProperty(j => j.ActiveScope, (string?)null)
                .SetProperty(j => j.Error, error)
                .SetProperty(j => j.CompletedUtc, now)
                .SetProperty(j => j.Owner, (string?)null)
                .SetProperty(j => j.LeaseExpiresUtc, (DateTime?)null), CancellationToken.None);
        }
    }

    /// <summary>
    /// A chunk that lost a deadlock to a write (a group commit or a hook's write holds several resource rows, in its
    /// own order) or met a busy database is rolled back whole and tried again, with a growing pause, before the job
    /// fails. Under steady writes to the same resources a chunk may lose several times in a row; each try renews
    /// nothing, so the job's lease (a minute) bounds the pauses.
    /// </summary>
    private async Task<bool> ChunkWithRetriesAsync(string jobId, string owner, int attempt, List<long> keys, CancellationToken ct)
    {
        for (var tries = 1; ; tries++)
        {
            try
            {
                return await ReindexChunkAsync(jobId, owner, attempt, keys, ct);
            }
            catch (Exception e) when (tries < MaxChunkTries && DatabaseErrors.IsTransient(e))
            {
                db.ChangeTracker.Clear();
                LogChunkRetried(logger, e, jobId, tries);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2_000, 50 * tries * tries)), ct);
            }
        }
    }

    /// <summary>One chunk in one transaction: lock, read current versions, replace their index rows, count progress.</summary>
    private async Task<bool> ReindexChunkAsync(string jobId, string owner, int attempt, List<long> keys, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);

        // Lock first (see the class comment), then read: what is read is the newest committed version.
        await db.Resources.Where(r => keys.Contains(r.Key)).ExecuteUpdateAsync(s => s.SetProperty(r => r.VersionId, r => r.VersionId), ct);
        var current = await (from r in db.Resources.AsNoTracking()
                              where keys.Contains(r.Key) && !r.IsDeleted
                              join v in db.Versions.AsNoTracking() on new { K = r.Key, V = r.VersionId } equals new { K = v.ResourceKey, V = v.VersionId }
                              select new { r.Key, v.Json }).ToListAsync(ct);

        await db.StringIndex.Where(r => keys.Contains(r.ResourceKey)).ExecuteDeleteAsync(ct);
        await db.TokenIndex.Where(r => keys.Contains(r.ResourceKey)).ExecuteDeleteAsync(ct);
        await db.DateIndex.Where(r => keys.Contains(r.ResourceKey)).ExecuteDeleteAsync(ct);
        await db.ReferenceIndex.Where(r => keys.Contains(r.ResourceKey)).ExecuteDeleteAsync(ct);
        await db.QuantityIndex.Where(r => keys.Contains(r.ResourceKey)).ExecuteDeleteAsync(ct);
        await db.NumberIndex.Where(r => keys.Contains(r.ResourceKey)).ExecuteDeleteAsync(ct);
        await db.UriIndex.Where(r => keys.Contains(r.ResourceKey)).ExecuteDeleteAsync(ct);
        await db.TokenQuantityIndex.Where(r => keys.Contains(r.ResourceKey)).ExecuteDeleteAsync(ct);
        await db.CompositeIndex.Where(r => keys.Contains(r.ResourceKey)).ExecuteDeleteAsync(ct);
        foreach (var resource in current)
        {
            foreach (var row in indexer.Extract(fhir.ParseStored(resource.Json)).All)
            {
                row.ResourceKey = resource.Key;
                db.Add(row);
            }
        }

        var lastKey = keys[^1];
        var lease = Now + Lease;
        var mine = await Mine(jobId, owner, attempt).ExecuteUpdateAsync(s => s
            .SetProperty(j => j.Done, j => j.Done + current.Count)
            .SetProperty(j => j.LastKey, lastKey)
            .SetProperty(j => j.LeaseExpiresUtc, lease), ct);
        if (mine == 0)
        {
            await transaction.RollbackAsync(ct);
            db.ChangeTracker.Clear();
            return false;
        }

        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        db.ChangeTracker.Clear();
        return true;
    }

    private IQueryable<ReindexJobRow> Mine(string id, string owner, int attempt) =>
        db.ReindexJobs.Where(j => j.Id == id && j.Owner == owner && j.Attempt == attempt && j.Status == ReindexStatus.Running);

    /// <summary>
    /// The status of a job as a Parameters resource: <c>status</c>, <c>scope</c>, <c>total</c>, <c>done</c>, and
    /// <c>error</c> (an OperationOutcome) when it failed.
    /// </summary>
    public static Parameters StatusOf(ReindexJobRow job, FhirSerialization fhir)
    {
        var parameters = new Parameters();
        parameters.Add("job", new Id(job.Id));
        parameters.Add("status", new Code(job.Status));
        parameters.Add("scope", new FhirString(job.Scope));
        parameters.Add("total", new Integer((int)Math.Min(int.MaxValue, job.Total)));
        parameters.Add("done", new Integer((int)Math.Min(int.MaxValue, job.Done)));
        parameters.Add("created", new Instant(new DateTimeOffset(DateTime.SpecifyKind(job.CreatedUtc, DateTimeKind.Utc))));
        if (job.CompletedUtc is { } completed)
        {
            parameters.Add("completed", new Instant(new DateTimeOffset(DateTime.SpecifyKind(completed, DateTimeKind.Utc))));
        }

        if (job.Error is { Length: > 0 } error)
        {
            parameters.Parameter.Add(new Parameters.ParameterComponent { Name = "error", Resource = fhir.ParseStored(error) });
        }

        return parameters;
    }

    [LoggerMessage(EventId = 5211, Level = LogLevel.Information, Message = "Reindex job {JobId} queued for {Scope}: {Total} resources")]
    private static partial void LogQueued(ILogger logger, string jobId, string scope, long total);

    [LoggerMessage(EventId = 5212, Level = LogLevel.Information, Message = "Reindex job {JobId} completed")]
    private static partial void LogCompleted(ILogger logger, string jobId);

    [LoggerMessage(EventId = 5213, Level = LogLevel.Warning, Message = "Reindex job {JobId} was taken over by another worker; this one stops")]
    private static partial void LogAbandoned(ILogger logger, string jobId);

    [LoggerMessage(EventId = 5215, Level = LogLevel.Warning, Message = "Reindex job {JobId}: a chunk failed (try {Try}) and is retried")]
    private static partial void LogChunkRetried(ILogger logger, Exception exception, string jobId, int @try);

    [LoggerMessage(EventId = 5214, Level = LogLevel.Error, Message = "Reindex job {JobId} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string jobId);
}
