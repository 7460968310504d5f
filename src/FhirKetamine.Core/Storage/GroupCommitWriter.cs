using System.Net;
using System.Threading.Channels;

using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Search;

using Hl7.Fhir.Model;

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FhirKetamine.Core.Storage;

/// <summary>
/// Group commit: the one writer of this server instance. Request threads validate, serialise and
/// extract index rows (all cores), then hand a <see cref="WriteJob"/> over; the writer takes everything
/// queued, runs it in ONE database transaction (one fsync) and completes each request only after the
/// commit, so an acknowledged write is durable.
/// <para>
/// Jobs run one after another inside the transaction, each on the state the earlier ones left, so
/// version checks (<c>If-Match</c>) and conditional creates (<c>If-None-Exist</c>) decide exactly as if
/// the requests had come one at a time: a second post of the same identifier in one group answers 200
/// with the first's resource. Each job runs under its own savepoint: a job that fails is rolled back
/// alone and answered with its own error; the others commit.
/// </para>
/// <para>
/// What the group's conditional creates of the form <c>identifier=system|value</c> match is read with one query
/// when the group starts and kept current in memory (<see cref="KnownMatches"/>). A run of creates of one type,
/// plain or with such a condition, is then decided in memory in job order, written with one SaveChanges
/// (each reading with its prepared Provenance and AuditEvent) under one savepoint, and answered in job order,
/// each stored create after its hooks; if anything in it fails it is rolled back and replayed one job at a time.
/// Only creates for which every hook promises not to read other resources of the type join a run
/// (<see cref="IWriteHook.ReadsOthersOfItsTypeAsync"/>), so the hooks decide as they would one at a time.
/// </para>
/// <para>
/// Across processes (several instances on one PostgreSQL database) the groups are serialised by
/// <see cref="WriteLock"/>, so conditional creates stay race-free there too; on SQLite the write
/// transaction (<c>BEGIN IMMEDIATE</c>) already excludes every other writer.
/// </para>
/// <para>
/// The <see cref="IWriteHook"/>s run inside each job's write (see <see cref="ResourceInteractions"/>), so under
/// the job's savepoint: a hook's rows commit with the triggering write, or its failure undoes that write alone.
/// </para>
/// </summary>
public sealed partial class GroupCommitWriter : IAsyncDisposable
{
    private readonly Channel<IReadOnlyList<WriteJob>> _queue =
        Channel.CreateUnbounded<IReadOnlyList<WriteJob>>(new UnboundedChannelOptions { SingleReader = true });

    private readonly IServiceScopeFactory _scopes;
    private readonly GroupCommitOptions _options;
    private readonly ILogger<GroupCommitWriter> _logger;
    private readonly Lazy<Task> _loop;

    public GroupCommitWriter(IServiceScopeFactory scopes, IOptions<GroupCommitOptions> options, ILogger<GroupCommitWriter> logger)
    {
        _scopes = scopes;
        _options = options.Value;
        _logger = logger;
        _loop = new Lazy<Task>(() => Task.Run(RunAsync), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Groups committed so far, and the jobs in them (for logs and tests).</summary>
    public long Groups => Interlocked.Read(ref _groups);

    public long Jobs => Interlocked.Read(ref _jobs);

    private long _groups;
    private long _jobs;

    /// <summary>Queues one write; the task completes after the commit that holds it (or with its error).</summary>
    public Task<FhirResponse> SubmitAsync(WriteJob job)
    {
        Submit([job]);
        return job.Completion;
    }

    /// <summary>Queues several independent writes together: they land in the same group.</summary>
    public void Submit(IReadOnlyList<WriteJob> jobs)
    {
        if (jobs.Count == 0)
        {
            return;
        }

        _ = _loop.Value;
        if (!_queue.Writer.TryWrite(jobs))
        {
            var stopping = new FhirException(HttpStatusCode.ServiceUnavailable, OperationOutcome.IssueType.Transient,
                "The server is shutting down; the write was not stored. Retry.");
            foreach (var job in jobs)
            {
                job.Fail(stopping);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        if (_loop.IsValueCreated)
        {
            await _loop.Value; // commits what was queued before the stop
        }
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        var group = new List<WriteJob>();
        while (await reader.WaitToReadAsync())
        {
            group.Clear();
            while (group.Count < _options.MaxGroupSize && reader.TryRead(out var jobs))
            {
                group.AddRange(jobs);
            }

            try
            {
                await CommitGroupAsync(group);
            }
            catch (Exception ex)
            {
                // Nothing of this group is acknowledged: the transaction did not commit (or its outcome is unknown).
                LogGroupFailed(_logger, group.Count, ex);
                var failed = new FhirException(HttpStatusCode.ServiceUnavailable, OperationOutcome.IssueType.Transient,
                    "The write could not be committed; nothing was stored. Retry (with If-None-Exist, a retry never duplicates).");
                foreach (var job in group)
                {
                    job.Fail(failed);
                }
            }
        }
    }

    private async Task CommitGroupAsync(List<WriteJob> group)
    {
        var ct = CancellationToken.None; // a started group finishes: its requests wait for the answer
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<FhirDbContext>();
        var rest = scope.ServiceProvider.GetRequiredService<ResourceInteractions>();
        db.Database.AutoSavepointsEnabled = false; // each job has its own savepoint

        var results = new (FhirResponse? Response, Exception? Error)[group.Count];
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            await WriteLock.AcquireAsync(db, ct);
            // One query for what all the group's conditional creates match, instead of one search per job.
            var known = await KnownMatches.LoadAsync(db, scope.ServiceProvider.GetRequiredService<SearchQueryParser>(),
                group.Select(job => job.Prepared).OfType<PreparedCreate>(), ct);
            rest.Known = known;
            var i = 0;
            while (i < group.Count)
            {
                var end = await RunEndAsync(rest, known, group, i, ct);
                if (end - i >= 2 && await TryCreateRunAsync(rest, db, transaction, known, group, i, end, results, ct))
                {
                    i = end;
                    continue;
                }

                results[i] = await RunOneAsync(rest, db, transaction, known, group[i], ct);
                i++;
            }

            await transaction.CommitAsync(ct);
        }

        Interlocked.Increment(ref _groups);
        Interlocked.Add(ref _jobs, group.Count);
        LogGroup(_logger, group.Count);
        for (var k = 0; k < group.Count; k++)
        {
            if (results[k].Error is { } error)
            {
                group[k].Fail(error);
            }
            else
            {
                if (group[k].Origin is { AuditedWrites: > 0 } origin)
                {
                    origin.WritesCommitted(); // before the request thread resumes
                }

                group[k].Complete(results[k].Response!);
            }
        }
    }

    /// <summary>
    /// Where the run of creates starting at <paramref name="start"/> ends: prepared creates of one type, each plain or
    /// with a condition the group's <see cref="KnownMatches"/> follow, that every hook lets be stored in a run.
    /// </summary>
    private static async Task<int> RunEndAsync(ResourceInteractions rest, KnownMatches known, List<WriteJob> group, int start, CancellationToken ct)
    {
        var end = start;
        while (end < group.Count
            && group[end].Prepared is { Spoiled: false } prepared
            && prepared.Type == group[start].Prepared!.Type
            && (prepared.Condition is null || known.TryGet(prepared.Type, prepared.Condition, out _))
            && await rest.MayStoreInRunAsync(prepared, ct))
        {
            end++;
        }

        return end;
    }

    /// <summary>
    /// A run of creates (<see cref="RunEndAsync"/>) under one savepoint: each conditional create decided in turn from the
    /// known matches (a copy of an earlier create of the run finds it), the ones to store saved with one SaveChanges,
    /// then in job order each answered — with its hooks, or with the resource it matched. False (rolled back, to be
    /// replayed one by one) if anything failed, or if a hook wrote a resource of the run's type, which the decisions
    /// made before the hooks ran could not see.
    /// </summary>
    private async Task<bool> TryCreateRunAsync(ResourceInteractions rest, FhirDbContext db, IDbContextTransaction transaction, KnownMatches known,
        List<WriteJob> group, int start, int end, (FhirResponse?, Exception?)[] results, CancellationToken ct)
    {
        var type = group[start].Prepared!.Type;
        var matched = new string?[group.Count];
        var conditional = group.Skip(start).Take(end - start).Any(job => job.Prepared!.Condition is not null);
        await transaction.CreateSavepointAsync("run", ct);
        known.Checkpoint();
        try
        {
            for (var k = start; k < end; k++)
            {
                var prepared = group[k].Prepared!;
                try
                {
                    matched[k] = prepared.Condition is null ? null : rest.KnownMatch(prepared);
                }
                catch (FhirException ex)
                {
                    results[k] = (null, ex); // several matches: this create fails alone, as on its own
                    continue;
                }

                if (matched[k] is null)
                {
                    results[k] = (rest.StagePreparedCreate(prepared), null);
                }
            }

            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
            for (var k = start; k < end; k++)
            {
                var (response, error) = results[k];
                var request = group[k].Prepared!.Request;
                results[k] = error is not null ? results[k]
                    : matched[k] is { } id ? (await rest.MatchedAsync(request, id, ct), null)
                    : (await rest.AfterStoredAsync(request, response!, "POST", ct, group[k].Prepared), null);
            }

            if (conditional && known.IsUnknown(type))
            {
                throw new InvalidOperationException($"A hook wrote a {type} during a run of {type} creates.");
            }

            await transaction.ReleaseSavepointAsync("run", ct);
            return true;
        }
        catch (Exception ex) when (ex is FhirException or DbUpdateException or InvalidOperationException or System.Data.Common.DbException)
        {
            LogRunReplayed(_logger, end - start, ex.GetType().Name);
            await transaction.RollbackToSavepointAsync("run", ct);
            known.Undo();
            db.ChangeTracker.Clear();
            for (var k = start; k < end; k++)
            {
                if (matched[k] is null && results[k].Item2 is null)
                {
                    group[k].Prepared!.Spoiled = true; // its rows were tracked by the failed SaveChanges: extract afresh
                }

                results[k] = default;
            }

            return false;
        }
    }

    private async Task<(FhirResponse?, Exception?)> RunOneAsync(ResourceInteractions rest, FhirDbContext db, IDbContextTransaction transaction,
        KnownMatches known, WriteJob job, CancellationToken ct)
    {
        await transaction.CreateSavepointAsync("job", ct);
        known.Checkpoint();
        try
        {
            var response = await job.Run(rest, ct);
            db.ChangeTracker.Clear();
            await transaction.ReleaseSavepointAsync("job", ct);
            return (response, null);
        }
        catch (Exception ex) when (ex is FhirException or DbUpdateException or InvalidOperationException or System.Data.Common.DbException)
        {
            // This job alone is undone; the rest of the group goes on. A broken transaction throws here and fails the group.
            await transaction.RollbackToSavepointAsync("job", ct);
            known.Undo();
            db.ChangeTracker.Clear();
            if (ex is FhirException)
            {
                return (null, ex);
            }

            LogJobFailed(_logger, ex);
            return (null, new FhirException(HttpStatusCode.InternalServerError, OperationOutcome.IssueType.Exception,
                "The database refused this write; nothing was stored for it (the other writes of the request were not affected)."));
        }
    }

    [LoggerMessage(EventId = 1201, Level = LogLevel.Debug, Message = "Group of {Count} writes committed")]
    private static partial void LogGroup(ILogger logger, int count);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Error, Message = "Group of {Count} writes failed; none was acknowledged")]
    private static partial void LogGroupFailed(ILogger logger, int count, Exception error);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Warning, Message = "A run of {Count} creates failed together ({Error}); replaying them one by one")]
    private static partial void LogRunReplayed(ILogger logger, int count, string error);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Warning, Message = "One write of a group failed and was rolled back alone")]
    private static partial void LogJobFailed(ILogger logger, Exception error);
}

/// <summary>Tuning of <see cref="GroupCommitWriter"/> (configuration section <c>Storage:GroupCommit</c>).</summary>
public sealed class GroupCommitOptions
{
    /// <summary>False: every write runs in its own transaction on the request's thread (the pre-group-commit path).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>At most this many writes per transaction; more wait for the next group.</summary>
    public int MaxGroupSize { get; set; } = 1000;
}

/// <summary>A write prepared on a request thread, waiting for the writer.</summary>
public sealed class WriteJob(Func<ResourceInteractions, CancellationToken, Task<FhirResponse>> run, PreparedCreate? prepared = null)
{
    private readonly TaskCompletionSource<FhirResponse> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The database part of the write, run by the writer on its own <see cref="ResourceInteractions"/>.</summary>
    public Func<ResourceInteractions, CancellationToken, Task<FhirResponse>> Run { get; } = run;

    /// <summary>For creates: id, JSON and index rows made on the request thread.</summary>
    public PreparedCreate? Prepared { get; } = prepared;

    /// <summary>The HTTP request the job writes for, told after the commit that its writes are stored (null: no request).</summary>
    public Audit.RequestOrigin? Origin { get; internal set; }

    public Task<FhirResponse> Completion => _completion.Task;

    internal void Complete(FhirResponse response) => _completion.TrySetResult(response);

    internal void Fail(Exception error) => _completion.TrySetException(error);
}

/// <summary>A create whose CPU work is done: the resource with its id and meta, its JSON and its index rows.</summary>
public sealed class PreparedCreate
{
    public required string Type { get; init; }

    public required string Id { get; init; }

    /// <summary>The create request (for the write hooks: who wrote it).</summary>
    public required FhirRequest Request { get; init; }

    public required DateTime LastUpdated { get; init; }

    public required Resource Resource { get; init; }

    public required string Json { get; init; }

    public required IReadOnlyList<Search.Index.IndexRow> IndexRows { get; init; }

    /// <summary>The If-None-Exist condition; null for a plain create.</summary>
    public string? Condition { get; init; }

    /// <summary>Set when a failed group SaveChanges tracked <see cref="IndexRows"/>: they are extracted again.</summary>
    public bool Spoiled { get; set; }

    /// <summary>
    /// What each <see cref="Rest.IPreparingWriteHook"/> (by its type) will write for this create once stored, prepared
    /// with it on the request thread; unused when the create matched its condition or is replayed (<see cref="Spoiled"/>).
    /// </summary>
    public IReadOnlyDictionary<Type, IReadOnlyList<PreparedCreate>>? HookCreates { get; internal set; }

    /// <summary>
    /// For one of <see cref="HookCreates"/>: staged with the create it accounts for (one SaveChanges for both), so its
    /// hook only reports it. Meaningless once that create is <see cref="Spoiled"/> (its hooks then build afresh).
    /// </summary>
    internal bool SavedWithTrigger { get; set; }
}
