using System.Globalization;
using System.Net;

using FhirKetamine.Core.Audit;
using FhirKetamine.Core.Rest.Patching;
using FhirKetamine.Core.Search;
using FhirKetamine.Core.Smart;
using FhirKetamine.Core.Storage;
using FhirKetamine.Core.Validation;

using Hl7.Fhir.Model;

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FhirKetamine.Core.Rest;

/// <summary>
/// The FHIR RESTful interactions over the database, one method per interaction. Each write runs in one
/// database transaction holding the new version, the current-row pointer and the search-index rows,
/// or joins the caller's transaction (a transaction Bundle). Owns its <see cref="FhirDbContext"/>: scoped.
/// </summary>
public sealed partial class ResourceInteractions(
    FhirDbContext db,
    FhirSerialization fhir,
    SearchIndexer indexer,
    SearchParameterRegistry searchParameters,
    SearchQueryParser queryParser,
    SearchExecutor search,
    ReadReplica replica,
    ResourcePatcher patcher,
    ResourceValidator validator,
    GroupCommitWriter writer,
    IOptions<GroupCommitOptions> groupCommit,
    IEnumerable<IWriteHook> writeHooks,
    IEnumerable<IWritePreparer> writePreparers,
    TimeProvider clock,
    ILogger<ResourceInteractions> logger)
{
    private readonly IWriteHook[] _hooks = [.. writeHooks];
    private readonly IWritePreparer[] _preparers = [.. writePreparers];

    /// <summary>The database context of this scope (a hook's queries run in the write's transaction through it).</summary>
    internal FhirDbContext Database => db;

    /// <summary>In the group-commit writer: what the group's conditional creates match, read once for the group.</summary>
    internal KnownMatches? Known { get; set; }

    /// <summary>While a transaction Bundle's entries are written: what the <see cref="ITransactionWriteHook"/>s keep for its end.</summary>
    internal TransactionWrites? Transaction { get; set; }

    /// <summary>True while hooks run: their own writes do not run the hooks again.</summary>
    private bool _inHooks;

    /// <summary>What the hooks wrote while they ran, for the <see cref="IObservesHookWrites"/> hooks.</summary>
    private readonly List<(FhirResponse Written, string Method)> _hookWrites = [];

    /// <summary>Runs any single interaction: the HTTP endpoints and every Bundle entry come through here.</summary>
    public Task<FhirResponse> HandleAsync(FhirRequest request, CancellationToken ct)
    {
        ScopeGuard.Demand(request);
        return request.Interaction switch
        {
            Interaction.Read => VisibleThenAsync(request, ReadAsync, ct),
            Interaction.VRead => VisibleThenAsync(request, VReadAsync, ct),
            Interaction.Create => CreateAsync(request, ct),
            Interaction.Update => request.IsConditional ? ConditionalUpdateAsync(request, ct) : UpdateAsync(request, ct),
            Interaction.Patch => PatchAsync(request, ct),
            Interaction.Delete => request.IsConditional ? ConditionalDeleteAsync(request, ct) : DeleteAsync(request, ct),
            Interaction.HistoryInstance or Interaction.HistoryType or Interaction.HistorySystem => HistoryAsync(request, ct),
            Interaction.SearchType => SearchAsync(request, ct),
            _ => throw new FhirException(HttpStatusCode.MethodNotAllowed, OperationOutcome.IssueType.NotSupported,
                $"The {request.Interaction} interaction is not supported here."),
        };
    }

    public async Task<FhirResponse> ReadAsync(FhirRequest request, CancellationToken ct)
    {
        var (type, id) = Target(request);
        // One round trip: the current row and the JSON of its version (reads are the hottest path).
        var current = await db.Resources.AsNoTracking()
            .Where(r => r.Type == type && r.LogicalId == id)
            .Select(r => new
            {
                r.VersionId, r.IsDeleted, r.LastUpdated,
                Json = db.Versions.Where(v => v.ResourceKey == r.Key && v.VersionId == r.VersionId).Select(v => v.Json).First(),
            })
            .FirstOrDefaultAsync(ct) ?? throw FhirException.NotFound($"{type}/{id} is not known.");
        if (current.IsDeleted)
        {
            throw Gone(type, id, current.VersionId);
        }

        if (NotModified(request, current.VersionId, current.LastUpdated))
        {
            return new FhirResponse(HttpStatusCode.NotModified) { ResourceType = type, Id = id, VersionId = current.VersionId, LastUpdated = current.LastUpdated };
        }

        return Stored(HttpStatusCode.OK, type, id, current.VersionId, current.LastUpdated, current.Json);
    }

    public async Task<FhirResponse> VReadAsync(FhirRequest request, CancellationToken ct)
    {
        var (type, id) = Target(request);
        if (!int.TryParse(request.VersionId, NumberStyles.None, CultureInfo.InvariantCulture, out var versionId))
        {
            throw FhirException.NotFound($"{type}/{id} has no version '{request.VersionId}'.");
        }

        var version = await db.Versions.AsNoTracking()
            .Where(v => v.Type == type && v.LogicalId == id && v.VersionId == versionId)
            .Select(v => new { v.IsDeleted, v.LastUpdated, v.Json })
            .FirstOrDefaultAsync(ct) ?? throw FhirException.NotFound($"{type}/{id} has no version {versionId}.");
        if (version.IsDeleted)
        {
            throw Gone(type, id, versionId);
        }

        if (NotModified(request, versionId, version.LastUpdated))
        {
            return new FhirResponse(HttpStatusCode.NotModified) { ResourceType = type, Id = id, VersionId = versionId, LastUpdated = version.LastUpdated };
        }

        return Stored(HttpStatusCode.OK, type, id, versionId, version.LastUpdated, version.Json);
    }

    public Task<FhirResponse> CreateAsync(FhirRequest request, CancellationToken ct) => ValidatedWriteAsync(request, ct);

    /// <summary>
    /// True when writes go through the group-commit writer: group commit is on and this instance is not
    /// inside a transaction (a transaction Bundle, or the writer's own group).
    /// </summary>
    internal bool UsesWriter => groupCommit.Value.Enabled && db.Database.CurrentTransaction is null;

    /// <summary>
    /// A create, update or conditional update: validates the body, then writes it. With group commit the
    /// CPU work (validation, and for a create the JSON and index rows too) is done here, on the request's
    /// thread, and the database part goes to the <see cref="GroupCommitWriter"/>; otherwise it runs in its
    /// own transaction. Either way no write lock is held while the CPU works.
    /// </summary>
    private async Task<FhirResponse> ValidatedWriteAsync(FhirRequest request, CancellationToken ct)
    {
        var pending = await PrepareValidatedAsync(request, ct);
        var response = UsesWriter
            ? await writer.SubmitAsync(pending.Job)
            : await InTransactionAsync(request.Access.Origin, async () =>
            {
                if (request.IfNoneExist is not null)
                {
                    await WriteLock.AcquireAsync(db, ct); // decides from what it reads: one such writer at a time
                }

                return await pending.Job.Run(this, ct);
            }, ct);
        return await AfterWriteAsync(response, pending.Validated, ct);
    }

    /// <summary>
    /// The request-thread half of a create or update (scope check, validation, preparation) for callers
    /// that submit several writes at once (a batch Bundle): the jobs go to <see cref="SubmitWrites"/>,
    /// and each answer through <see cref="FinishWriteAsync"/>.
    /// </summary>
    public Task<PendingWrite> PrepareWriteAsync(FhirRequest request, CancellationToken ct)
    {
        ScopeGuard.Demand(request);
        return request.Interaction is Interaction.Create or Interaction.Update
            ? PrepareValidatedAsync(request, ct)
            : throw new InvalidOperationException($"{request.Interaction} is not a create or update.");
    }

    /// <summary>Queues prepared writes together (they commit in one group); requires <see cref="UsesWriter"/>.</summary>
    public void SubmitWrites(IReadOnlyList<WriteJob> jobs) => writer.Submit(jobs);

    public Task<FhirResponse> FinishWriteAsync(PendingWrite pending, FhirResponse response, CancellationToken ct) =>
        AfterWriteAsync(response, pending.Validated, ct);

    private async Task<PendingWrite> PrepareValidatedAsync(FhirRequest request, CancellationToken ct)
    {
        var validated = request.Validated ?? await validator.CheckWriteAsync(Body(request), ct, request.BaseUrl);
        await RunPreparersAsync(request, Body(request), ct);

        WriteJob job = request switch
        {
            { Interaction: Interaction.Create } => PrepareCreate(request),
            { Interaction: Interaction.Update, IsConditional: true } => new WriteJob((rest, c) => rest.ConditionalUpdateValidatedAsync(request, c)),
            _ => new WriteJob((rest, c) => rest.UpdateValidatedAsync(request, c)),
        };
        job.Origin = request.Access.Origin;
        return new PendingWrite(job, validated);
    }

    /// <summary>Gives a new resource its id and meta, serialises it and extracts its index rows: CPU work, done before the writer.</summary>
    private PreparedCreate Prepare(FhirRequest request, Resource resource, DateTime now, string? condition, string? id = null)
    {
        resource.Id = id ?? NewId();
        resource.Meta ??= new Meta();
        resource.Meta.VersionId = "1";
        resource.Meta.LastUpdated = new DateTimeOffset(now, TimeSpan.Zero);
        return new PreparedCreate
        {
            Type = resource.TypeName,
            Id = resource.Id,
            Request = request,
            LastUpdated = now,
            Resource = resource,
            Json = fhir.ToJson(resource),
            IndexRows = indexer.Extract(resource).All.ToList(),
            Condition = condition,
        };
    }

    /// <summary>A create for the group-commit writer, prepared on the request thread (<see cref="Prepare"/>).</summary>
    private WriteJob PrepareCreate(FhirRequest request)
    {
        if (!UsesWriter)
        {
            return new WriteJob((rest, c) => rest.CreateValidatedAsync(request, null, c));
        }

        var resource = Body(request);
        RefuseUnindexable(resource);
        var prepared = PrepareWithHookCreates(request, resource, Now(), request.IfNoneExist);
        return new WriteJob((rest, c) => rest.CreateValidatedAsync(request, prepared, c), prepared);
    }

    /// <summary><see cref="Prepare"/>, and what the <see cref="IPreparingWriteHook"/>s will write for it (<see cref="PrepareHookCreates"/>).</summary>
    private PreparedCreate PrepareWithHookCreates(FhirRequest request, Resource resource, DateTime now, string? condition, string? id = null)
    {
        var prepared = Prepare(request, resource, now, condition, id);
        prepared.HookCreates = PrepareHookCreates(prepared);
        return prepared;
    }

    private async Task RunPreparersAsync(FhirRequest request, Resource resource, CancellationToken ct)
    {
        foreach (var preparer in _preparers)
        {
            await preparer.PrepareAsync(this, request, resource, ct);
        }
    }

    /// <summary>
    /// What the <see cref="IPreparingWriteHook"/>s will write for this create once it is stored (its Provenance and
    /// AuditEvent), built, serialised and indexed here on the request thread, so the one writer thread only inserts them.
    /// </summary>
    private Dictionary<Type, IReadOnlyList<PreparedCreate>>? PrepareHookCreates(PreparedCreate create)
    {
        Dictionary<Type, IReadOnlyList<PreparedCreate>>? made = null;
        foreach (var hook in _hooks.OfType<IPreparingWriteHook>())
        {
            if (Transaction is not null && hook is ITransactionWriteHook)
            {
                continue; // it accounts for the whole transaction before the commit
            }

            var resources = hook.ResourcesFor(create.Request, CreatedResponse(create), "POST");
            (made ??= [])[hook.GetType()] = resources.Select(r => Prepare(create.Request, r, create.LastUpdated, null)).ToList();
        }

        return made;
    }

    private async Task<FhirResponse> CreateValidatedAsync(FhirRequest request, PreparedCreate? prepared, CancellationToken ct)
    {
        var type = request.ResourceType!;
        var resource = Body(request);
        if (request.IfNoneExist is { } condition)
        {
            // Inside the writer's group the earlier jobs are already saved in this transaction, so a copy
            // of the same reading posted twice in one group finds the first here (in the group's known matches
            // when the writer read them up front, else by searching).
            var matches = Known is { } known && known.TryGet(type, condition, out var found)
                ? found
                : await MatchKeysAsync(type, QueryString.Parse(condition), 2, ct);
            if (SingleMatch(type, condition, matches) is { } match)
            {
                return await MatchedAsync(request, match, ct);
            }
        }

        if (prepared is { Spoiled: false })
        {
            var response = StagePreparedCreate(prepared);
            await SaveAsync(type, prepared.Id, ct);
            return await AfterStoredAsync(request, response, "POST", ct, prepared);
        }

        return await WriteAsync(request, null, type, prepared?.Id ?? NewId(), resource, "POST", HttpStatusCode.Created, ct);
    }

    /// <summary>
    /// For the writer's runs of creates: the resource a prepared conditional create matches from the group's
    /// <see cref="Known"/> matches (null: none, create it; 412 if several), decided exactly as <see cref="CreateValidatedAsync"/> does.
    /// </summary>
    internal string? KnownMatch(PreparedCreate prepared) =>
        Known is { } known && prepared.Condition is { } condition && known.TryGet(prepared.Type, condition, out var matches)
            ? SingleMatch(prepared.Type, condition, matches)
            : throw new InvalidOperationException("The group's known matches do not follow this condition.");

    /// <summary>
    /// True when every hook lets this create be stored in a run of creates of its type (one SaveChanges, then each
    /// create's hooks in turn): see <see cref="IWriteHook.ReadsOthersOfItsTypeAsync"/>.
    /// </summary>
    internal Task<bool> MayStoreInRunAsync(PreparedCreate prepared, CancellationToken ct) => MayStoreInRunAsync(prepared.Request, prepared.Resource, ct);

    internal async Task<bool> MayStoreInRunAsync(FhirRequest request, Resource resource, CancellationToken ct)
    {
        foreach (var hook in _hooks)
        {
            if (await hook.ReadsOthersOfItsTypeAsync(request, resource, ct))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The first step of a transaction's run of new resources of one type (see <see cref="StoreRunAsync"/>), per entry in
    /// order: what <see cref="HandleAsync"/> checks and completes before a write (scope, indexability, the
    /// <see cref="IWritePreparer"/>s, on this context: they see the entries stored before the run).
    /// </summary>
    internal async Task PrepareRunEntryAsync(FhirRequest request, CancellationToken ct)
    {
        ScopeGuard.Demand(request);
        var resource = Body(request);
        RefuseUnindexable(resource);
        await RunPreparersAsync(request, resource, ct);
    }

    /// <summary>
    /// Stores a transaction's run of new resources of one type — entries whose ids were assigned up front
    /// (<see cref="FhirRequest.CreateWithId"/>), validated and <see cref="PrepareRunEntryAsync">prepared</see>, for which
    /// every hook <see cref="MayStoreInRunAsync">lets them be stored in a run</see> — as the group-commit writer stores its runs:
    /// the JSON and index rows of each and of what the <see cref="IPreparingWriteHook"/>s write for it (Provenance, AuditEvent)
    /// made on all cores, then all of it inserted with one SaveChanges in the open transaction. Each is then answered,
    /// in order, by <see cref="FinishRunEntryAsync"/> (its hooks). One at a time, each entry cost a SaveChanges of its own
    /// and two more for its audit resources, with all the CPU work on one core.
    /// </summary>
    internal async Task<IReadOnlyList<PreparedCreate>> StoreRunAsync(IReadOnlyList<FhirRequest> requests, CancellationToken ct)
    {
        RequireTransaction();
        var now = Now();
        var prepared = new PreparedCreate[requests.Count];
        await BundleProcessor.OnCoresAsync(requests.Count, ct, (k, _) =>
            {
                prepared[k] = PrepareWithHookCreates(requests[k], Body(requests[k]), now, null, requests[k].Id);
                return ValueTask.CompletedTask;
            });

        foreach (var create in prepared)
        {
            StagePreparedCreate(create);
        }

        await SaveAsync(prepared[0].Type, prepared[0].Id, ct);
        return prepared;
    }

    /// <summary>An entry of a run stored by <see cref="StoreRunAsync"/>: its hooks, then its answer as <see cref="HandleAsync"/> gives it.</summary>
    internal async Task<FhirResponse> FinishRunEntryAsync(PreparedCreate stored, CancellationToken ct)
    {
        var response = await AfterStoredAsync(stored.Request, CreatedResponse(stored), "POST", ct, stored);
        return await AfterWriteAsync(response, stored.Request.Validated ?? new OperationOutcome(), ct);
    }

    /// <summary>The one match of an If-None-Exist condition, null for none; 412 when it matches several.</summary>
    private static string? SingleMatch(string type, string condition, IReadOnlyList<string> matches) => matches.Count switch
    {
        0 => null,
        1 => matches[0],
        _ => throw FhirException.PreconditionFailed($"If-None-Exist '{condition}' matches more than one {type}."),
    };

    /// <summary>The answer to a conditional create that matched <paramref name="id"/>: 200 with the stored resource, nothing created.</summary>
    internal async Task<FhirResponse> MatchedAsync(FhirRequest request, string id, CancellationToken ct)
    {
        var existing = await ReadAsync(request with { Id = id, IfNoneMatch = null, IfModifiedSince = null }, ct);
        return existing with { Outcome = Outcomes.Information($"{request.ResourceType}/{id} already matches If-None-Exist '{request.IfNoneExist}'; nothing was created.") };
    }

    /// <summary>
    /// Creates a resource inside the transaction that is open on this instance (for an
    /// <see cref="IWriteHook"/>: a rule's Flag or DetectedIssue commits with the write that triggered it).
    /// </summary>
    public async Task<FhirResponse> CreateInCurrentTransactionAsync(Resource resource, CancellationToken ct)
    {
        RequireTransaction();
        return HookWrote(await WriteAsync(null, null, resource.TypeName, NewId(), resource, "POST", HttpStatusCode.Created, ct), "POST");
    }

    /// <summary>
    /// Stores <paramref name="resource"/> (with its id) as the next version inside the open transaction, without
    /// validation or hooks: for an <see cref="IWriteHook"/> (a safety rule closing its Flag) or a background service
    /// changing a resource the server manages (a Subscription's <c>status</c>). A concurrent change of it is a 409.
    /// </summary>
    public async Task<FhirResponse> UpdateInCurrentTransactionAsync(Resource resource, CancellationToken ct)
    {
        RequireTransaction();
        var type = resource.TypeName;
        var id = resource.Id ?? throw new InvalidOperationException("An update needs the resource's id.");
        var current = await db.Resources.FirstOrDefaultAsync(r => r.Type == type && r.LogicalId == id, ct);
        var status = current is null || current.IsDeleted ? HttpStatusCode.Created : HttpStatusCode.OK;
        return HookWrote(await WriteAsync(null, current, type, id, resource, "PUT", status, ct), "PUT");
    }

    /// <summary>
    /// Inserts resources an <see cref="IPreparingWriteHook"/> had prepared on the request thread (id, JSON and index rows
    /// made there) inside the open transaction, with one SaveChanges; like <see cref="CreateInCurrentTransactionAsync"/>
    /// otherwise (no validation, no hooks; the <see cref="IObservesHookWrites"/> hooks are shown them).
    /// </summary>
    public async Task CreatePreparedInCurrentTransactionAsync(IReadOnlyList<PreparedCreate> ready, CancellationToken ct)
    {
        RequireTransaction();
        if (ready.Count == 0)
        {
            return;
        }

        // Usually already saved with the create they account for (StagePreparedCreate): then they are only reported.
        var written = ready.Select(create => create.SavedWithTrigger ? CreatedResponse(create) : StagePreparedCreate(create)).ToList();
        if (ready.Any(create => !create.SavedWithTrigger))
        {
            await SaveAsync(ready[0].Type, ready[0].Id, ct);
        }

        foreach (var response in written)
        {
            HookWrote(response, "POST");
        }
    }

    private void RequireTransaction()
    {
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("No transaction is open: a hook's writes must join the triggering write's transaction.");
        }
    }

    /// <summary>Remembers a hook's write so that <see cref="IObservesHookWrites"/> hooks see it after the hooks ran.</summary>
    private FhirResponse HookWrote(FhirResponse written, string method)
    {
        if (_inHooks)
        {
            _hookWrites.Add((written, method));
        }

        return written;
    }

    /// <summary>
    /// Adds a prepared create's rows to the change tracker (the caller saves): no CPU work left but the inserts. What the
    /// <see cref="IPreparingWriteHook"/>s prepared for it (its Provenance and AuditEvent) is staged with it, so one
    /// SaveChanges stores both; the hook then only reports them (<see cref="CreatePreparedInCurrentTransactionAsync"/>).
    /// </summary>
    internal FhirResponse StagePreparedCreate(PreparedCreate prepared)
    {
        Known?.Stored(prepared);
        var current = new ResourceRow { Type = prepared.Type, LogicalId = prepared.Id, VersionId = 1, LastUpdated = prepared.LastUpdated };
        db.Resources.Add(current);
        db.Versions.Add(new ResourceVersionRow
        {
            Resource = current,
            Type = prepared.Type,
            LogicalId = prepared.Id,
            VersionId = 1,
            LastUpdated = prepared.LastUpdated,
            Method = "POST",
            Json = prepared.Json,
        });
        db.AddIndexRows(current, prepared.IndexRows);

        if (prepared is { Spoiled: false, HookCreates: { } hookCreates })
        {
            foreach (var create in hookCreates.Values.SelectMany(c => c))
            {
                StagePreparedCreate(create);
                create.SavedWithTrigger = true;
            }
        }

        LogWrite(logger, "POST", prepared.Type, prepared.Id, 1);
        return CreatedResponse(prepared);
    }

    /// <summary>The answer to a prepared create once it is stored.</summary>
    private static FhirResponse CreatedResponse(PreparedCreate prepared) =>
        new(HttpStatusCode.Created)
        {
            ResourceType = prepared.Type,
            Id = prepared.Id,
            VersionId = 1,
            LastUpdated = prepared.LastUpdated,
            Location = $"{prepared.Type}/{prepared.Id}/_history/1",
            Resource = prepared.Resource,
            StoredJson = prepared.Json,
        };

    public Task<FhirResponse> UpdateAsync(FhirRequest request, CancellationToken ct) => ValidatedWriteAsync(request, ct);

    private async Task<FhirResponse> UpdateValidatedAsync(FhirRequest request, CancellationToken ct)
    {
        var (type, id) = Target(request);
        var resource = Body(request);
        if (resource.Id is null)
        {
            throw FhirException.BadRequest("The resource in an update must carry its id (Resource.id).", $"{type}.id");
        }

        if (resource.Id != id)
        {
            throw FhirException.BadRequest($"The resource id '{resource.Id}' does not match the id '{id}' in the URL.", $"{type}.id");
        }

        if (!IsValidId(id))
        {
            throw FhirException.BadRequest($"'{id}' is not a valid FHIR id (1-64 characters of A-Z, a-z, 0-9, '-' and '.').");
        }

        var current = await db.Resources.FirstOrDefaultAsync(r => r.Type == type && r.LogicalId == id, ct);
        CheckIfMatch(request, current);
        var status = current is null || current.IsDeleted ? HttpStatusCode.Created : HttpStatusCode.OK;
        return await WriteAsync(request, current, type, id, resource, request.CreateWithId ? "POST" : "PUT", status, ct);
    }

    public Task<FhirResponse> ConditionalUpdateAsync(FhirRequest request, CancellationToken ct) => ValidatedWriteAsync(request, ct);

    private async Task<FhirResponse> ConditionalUpdateValidatedAsync(FhirRequest request, CancellationToken ct)
    {
        var type = request.ResourceType!;
        var resource = Body(request);
        var matches = await MatchKeysAsync(type, request.Parameters, 2, ct);
        switch (matches.Count)
        {
            case 0:
                var id = resource.Id ?? NewId();
                var existing = await db.Resources.FirstOrDefaultAsync(r => r.Type == type && r.LogicalId == id, ct);
                if (existing is { IsDeleted: false })
                {
                    throw FhirException.Conflict($"No {type} matches the condition, but {type}/{id} exists; refusing to overwrite it.");
                }

                return await WriteAsync(request, existing, type, id, resource, "PUT", HttpStatusCode.Created, ct);
            case 1:
                if (resource.Id is not null && resource.Id != matches[0])
                {
                    throw FhirException.BadRequest($"The resource id '{resource.Id}' differs from the matched {type}/{matches[0]}.", $"{type}.id");
                }

                var current = await db.Resources.FirstAsync(r => r.Type == type && r.LogicalId == matches[0], ct);
                CheckIfMatch(request, current);
                return await WriteAsync(request, current, type, matches[0], resource, "PUT", HttpStatusCode.OK, ct);
            default:
                throw FhirException.PreconditionFailed($"The condition matches more than one {type}; a conditional update needs exactly one.");
        }
    }

    public async Task<FhirResponse> PatchAsync(FhirRequest request, CancellationToken ct)
    {
        OperationOutcome? validated = null;
        var response = await InTransactionAsync(request.Access.Origin, async () =>
        {
            var (current, id, patched) = await PatchedAsync(request, ct);

            // The patched result is known only here, inside the transaction that read the current version.
            validated = await validator.CheckWriteAsync(patched, ct, request.BaseUrl);
            return await WriteAsync(request, current, request.ResourceType!, id, patched, "PATCH", HttpStatusCode.OK, ct);
        }, ct);
        return await AfterWriteAsync(response, validated!, ct);
    }

    private async Task<(ResourceRow Current, string Id, Resource Patched)> PatchedAsync(FhirRequest request, CancellationToken ct)
    {
        var type = request.ResourceType!;
        var id = request.Id;
        if (request.IsConditional)
        {
            var matches = await MatchKeysAsync(type, request.Parameters, 2, ct);
            id = matches.Count switch
            {
                0 => throw FhirException.NotFound($"No {type} matches the condition of the conditional patch."),
                1 => matches[0],
                _ => throw FhirException.PreconditionFailed($"The condition matches more than one {type}; a conditional patch needs exactly one."),
            };
        }

        var current = await db.Resources.FirstOrDefaultAsync(r => r.Type == type && r.LogicalId == id, ct)
            ?? throw FhirException.NotFound($"{type}/{id} is not known.");
        if (current.IsDeleted)
        {
            throw Gone(type, id!, current.VersionId);
        }

        CheckIfMatch(request, current);
        var json = await db.Versions.Where(v => v.ResourceKey == current.Key && v.VersionId == current.VersionId).Select(v => v.Json).FirstAsync(ct);
        var before = fhir.ParseStored(json);
        var patched = request.PatchFormat switch
        {
            Rest.PatchFormat.JsonPatch => patcher.ApplyJsonPatch(before, request.PatchDocument ?? string.Empty),
            Rest.PatchFormat.FhirPathPatch when request.Resource is Parameters parameters => patcher.ApplyFhirPathPatch(before, parameters),
            _ => throw new FhirException(HttpStatusCode.UnsupportedMediaType, OperationOutcome.IssueType.NotSupported,
                "A patch must be a JSON Patch (application/json-patch+json) or a FHIRPath Patch Parameters resource."),
        };
        return (current, id!, patched);
    }

    /// <summary>
    /// Keeps the validator's warnings for the response (<c>Prefer: return=OperationOutcome</c>), and makes a
    /// StructureDefinition, ValueSet, CodeSystem or ImplementationGuide just written count for the very next validation.
    /// </summary>
    private async Task<FhirResponse> AfterWriteAsync(FhirResponse response, OperationOutcome validated, CancellationToken ct)
    {
        if (response.Resource is { } written && response.Id is { } id && ConformanceResource.IsConformance(response.ResourceType))
        {
            await validator.ConformanceChangedAsync(response.ResourceType!, id, response.VersionId, written, ct);
        }

        if (response.Resource is SearchParameter parameter && response.Id is { } parameterId)
        {
            // The next write indexes it, the next search answers it (resources stored before: $reindex).
            searchParameters.Changed(parameterId, response.VersionId, parameter);
        }

        if (validated.Issue.Count == 0)
        {
            return response;
        }

        if (response.Outcome is null)
        {
            return response with { Outcome = validated };
        }

        // Hooks' issues (e.g. a safety rule's warning) and the validator's together.
        var outcome = new OperationOutcome();
        outcome.Issue.AddRange(validated.Issue);
        outcome.Issue.AddRange(response.Outcome.Issue);
        return response with { Outcome = outcome };
    }

    public async Task<FhirResponse> DeleteAsync(FhirRequest request, CancellationToken ct)
    {
        var response = await InTransactionAsync(request.Access.Origin, () => DeleteCurrentAsync(request, ct), ct);
        if (ConformanceResource.IsConformance(request.ResourceType) && request.Id is { } id)
        {
            await validator.ConformanceChangedAsync(request.ResourceType!, id, response.VersionId, null, ct);
        }

        if (request.ResourceType == "SearchParameter" && request.Id is { } parameterId)
        {
            searchParameters.Changed(parameterId, response.VersionId, null);
        }

        return response;
    }

    private async Task<FhirResponse> DeleteCurrentAsync(FhirRequest request, CancellationToken ct)
    {
        var (type, id) = Target(request);
        var current = await db.Resources.FirstOrDefaultAsync(r => r.Type == type && r.LogicalId == id, ct)
            ?? throw FhirException.NotFound($"{type}/{id} is not known.");
        CheckIfMatch(request, current);
        if (current.IsDeleted)
        {
            return new FhirResponse(HttpStatusCode.NoContent) { ResourceType = type, Id = id, VersionId = current.VersionId };
        }

        return await WriteAsync(request, current, type, id, null, "DELETE", HttpStatusCode.NoContent, ct);
    }

    public Task<FhirResponse> ConditionalDeleteAsync(FhirRequest request, CancellationToken ct) => InTransactionAsync(request.Access.Origin, async () =>
    {
        var type = request.ResourceType!;
        var matches = await MatchKeysAsync(type, request.Parameters, 2, ct);
        switch (matches.Count)
        {
            case 0:
                return new FhirResponse(HttpStatusCode.NoContent) { Outcome = Outcomes.Information($"No {type} matched the condition; nothing was deleted.") };
            case 1:
                var current = await db.Resources.FirstAsync(r => r.Type == type && r.LogicalId == matches[0], ct);
                return await WriteAsync(request, current, type, matches[0], null, "DELETE", HttpStatusCode.NoContent, ct);
            default:
                throw FhirException.PreconditionFailed($"The condition matches more than one {type}; conditional delete of several resources is not supported.");
        }
    }, ct);

    /// <summary>
    /// Runs <paramref name="work"/> in a new transaction, or in the caller's if one is open (a transaction Bundle: its
    /// owner commits, and tells <paramref name="origin"/>). When the commit holds audited writes of the request, the
    /// request's <see cref="RequestOrigin"/> learns that they are stored.
    /// </summary>
    internal async Task<FhirResponse> InTransactionAsync(RequestOrigin? origin, Func<Task<FhirResponse>> work, CancellationToken ct)
    {
        if (db.Database.CurrentTransaction is not null)
        {
            return await work();
        }

        var audited = origin?.AuditedWrites ?? 0;
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        try
        {
            var response = await work();
            await transaction.CommitAsync(ct);
            if (origin is not null && origin.AuditedWrites > audited)
            {
                origin.WritesCommitted();
            }

            return response;
        }
        catch
        {
            db.ChangeTracker.Clear();
            throw;
        }
    }

    /// <summary>
    /// The logical ids of the current resources matching a condition; at most <paramref name="limit"/>.
    /// Always strict: an unknown parameter in a condition must not silently match everything.
    /// </summary>
    internal async Task<List<string>> MatchKeysAsync(string type, IEnumerable<KeyValuePair<string, string>> parameters, int limit, CancellationToken ct)
    {
        var query = queryParser.Parse(type, parameters, strict: true);
        if (query.Clauses.Count == 0)
        {
            throw FhirException.BadRequest($"A conditional interaction needs at least one search parameter that {type} supports.");
        }

        await search.PrepareAsync(query, ct);
        return await search.Filter(query).OrderBy(r => r.Key).Select(r => r.LogicalId).Take(limit).ToListAsync(ct);
    }

    /// <summary>Stores a new version (<paramref name="resource"/> null: a deletion); <paramref name="cause"/> null for a hook's own write.</summary>
    private async Task<FhirResponse> WriteAsync(FhirRequest? cause, ResourceRow? current, string type, string id, Resource? resource, string method, HttpStatusCode status, CancellationToken ct)
    {
        RefuseUnindexable(resource);
        Known?.Wrote(type);
        var version = (current?.VersionId ?? 0) + 1;
        var now = Now();
        var json = string.Empty;
        if (resource is not null)
        {
            resource.Id = id;
            resource.Meta ??= new Meta();
            resource.Meta.VersionId = version.ToString(CultureInfo.InvariantCulture);
            resource.Meta.LastUpdated = new DateTimeOffset(now, TimeSpan.Zero);
            json = fhir.ToJson(resource);
        }

        if (current is null)
        {
            current = new ResourceRow { Type = type, LogicalId = id };
            db.Resources.Add(current);
        }
        else
        {
            // Lock the resource row before its index rows are replaced, as a $reindex chunk does before it rewrites
            // them (ReindexJobs): whichever comes second waits, then sees the other's rows and version, so neither
            // leaves index rows of an older version. Nothing updated: a concurrent write got there first.
            if (await db.Resources.Where(r => r.Key == current.Key && r.VersionId == current.VersionId)
                    .ExecuteUpdateAsync(s => s.SetProperty(r => r.VersionId, r => r.VersionId), ct) == 0)
            {
                throw FhirException.Conflict($"{type}/{id} was changed by another request at the same time; read it again and retry.");
            }

            await DeleteIndexRowsAsync(current.Key, ct);
        }

        current.VersionId = version;
        current.LastUpdated = now;
        current.IsDeleted = resource is null;
        db.Versions.Add(new ResourceVersionRow
        {
            Resource = current,
            Type = type,
            LogicalId = id,
            VersionId = version,
            LastUpdated = now,
            IsDeleted = resource is null,
            Method = method,
            Json = json,
        });
        if (resource is not null)
        {
            db.AddIndexRows(current, indexer.Extract(resource).All);
        }

        await SaveAsync(type, id, ct);
        LogWrite(logger, method, type, id, version);
        var response = new FhirResponse(status)
        {
            ResourceType = type,
            Id = id,
            VersionId = version,
            LastUpdated = now,
            Location = $"{type}/{id}/_history/{version}",
        };
        response = resource is null ? response : response with { Resource = resource, StoredJson = json };
        return cause is null ? response : await AfterStoredAsync(cause, response, method, ct);
    }

    /// <summary>
    /// Runs the <see cref="IWriteHook"/>s on a write just saved, inside its transaction, and adds the issues
    /// they report to the response. Not for the hooks' own writes.
    /// </summary>
    internal async Task<FhirResponse> AfterStoredAsync(FhirRequest request, FhirResponse written, string method, CancellationToken ct,
        PreparedCreate? prepared = null)
    {
        if (_hooks.Length == 0 || _inHooks)
        {
            return written;
        }

        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("Write hooks must run inside the write's transaction.");
        }

        var write = new WriteEvent(this, request, written, method) { Transaction = Transaction };
        _inHooks = true;
        try
        {
            foreach (var hook in _hooks)
            {
                // A create stored as prepared (not one replayed after a failed group insert) brings what such hooks asked for.
                write.Prepared = prepared is { Spoiled: false, HookCreates: { } ready } && ready.TryGetValue(hook.GetType(), out var mine) ? mine : null;
                await hook.AfterWriteAsync(write, ct);
            }

            write.Prepared = null;

            write.Issues.AddRange(await ShowHookWritesAsync(request, ct));
        }
        finally
        {
            _inHooks = false;
            _hookWrites.Clear();
        }

        if (write.Issues.Count == 0)
        {
            return written;
        }

        var outcome = written.Outcome ?? new OperationOutcome();
        outcome.Issue.AddRange(write.Issues);
        return written with { Outcome = outcome };
    }

    /// <summary>
    /// A hook's own writes (a safety rule's Flag) run no hooks, but some hooks must still see them (a subscription on
    /// Flag); their writes in turn are not shown again. The issues those hooks report.
    /// </summary>
    private async Task<List<OperationOutcome.IssueComponent>> ShowHookWritesAsync(FhirRequest request, CancellationToken ct)
    {
        var issues = new List<OperationOutcome.IssueComponent>();
        var made = _hookWrites.ToList();
        _hookWrites.Clear();
        foreach (var (hookWritten, hookMethod) in made)
        {
            foreach (var observer in _hooks.OfType<IObservesHookWrites>())
            {
                var seen = new WriteEvent(this, request, hookWritten, hookMethod) { ByHook = true };
                await observer.AfterWriteAsync(seen, ct);
                issues.AddRange(seen.Issues);
            }
        }

        return issues;
    }

    /// <summary>
    /// Once a transaction Bundle's entries are all written, before it commits: the <see cref="ITransactionWriteHook"/>s
    /// write for the writes they kept, inside the transaction, and the <see cref="IObservesHookWrites"/> hooks see those
    /// writes as they see any hook's.
    /// </summary>
    internal async Task BeforeTransactionCommitAsync(CancellationToken ct)
    {
        if (Transaction is not { FirstRequest: { } request } transaction)
        {
            return;
        }

        _inHooks = true;
        try
        {
            foreach (var hook in _hooks.OfType<ITransactionWriteHook>())
            {
                await hook.BeforeTransactionCommitAsync(this, transaction, ct);
            }

            await ShowHookWritesAsync(request, ct); // the entries are answered already: nothing to add their issues to
        }
        finally
        {
            _inHooks = false;
            _hookWrites.Clear();
        }
    }

    private async Task SaveAsync(string type, string id, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex)
        {
            db.ChangeTracker.Clear();
            LogWriteConflict(logger, type, id, ex.GetType().Name);
            throw FhirException.Conflict($"{type}/{id} was changed by another request at the same time; read it again and retry.");
        }

        db.ChangeTracker.Clear();
    }

    /// <summary>A SearchParameter the server could not index is refused (422) naming why, rather than stored and silently ignored.</summary>
    private static void RefuseUnindexable(Resource? resource)
    {
        if (resource is SearchParameter parameter && SearchParameterRegistry.Problems(parameter) is { Count: > 0 } problems)
        {
            var outcome = new OperationOutcome();
            outcome.Issue.AddRange(problems.Select(p => new OperationOutcome.IssueComponent
            {
                Severity = OperationOutcome.IssueSeverity.Error,
                Code = OperationOutcome.IssueType.Processing,
                Diagnostics = $"This server cannot index SearchParameter '{parameter.Code}': {p}",
                Expression = ["SearchParameter"],
            }));
            throw new FhirException(HttpStatusCode.UnprocessableEntity, outcome);
        }
    }

    private async Task DeleteIndexRowsAsync(long key, CancellationToken ct)
    {
        await db.StringIndex.Where(r => r.ResourceKey == key).ExecuteDeleteAsync(ct);
        await db.TokenIndex.Where(r => r.ResourceKey == key).ExecuteDeleteAsync(ct);
        await db.DateIndex.Where(r => r.ResourceKey == key).ExecuteDeleteAsync(ct);
        await db.ReferenceIndex.Where(r => r.ResourceKey == key).ExecuteDeleteAsync(ct);
        await db.QuantityIndex.Where(r => r.ResourceKey == key).ExecuteDeleteAsync(ct);
        await db.NumberIndex.Where(r => r.ResourceKey == key).ExecuteDeleteAsync(ct);
        await db.UriIndex.Where(r => r.ResourceKey == key).ExecuteDeleteAsync(ct);
        await db.TokenQuantityIndex.Where(r => r.ResourceKey == key).ExecuteDeleteAsync(ct);
        await db.CompositeIndex.Where(r => r.ResourceKey == key).ExecuteDeleteAsync(ct);
    }

    private static void CheckIfMatch(FhirRequest request, ResourceRow? current)
    {
        if (request.IfMatch is not { } ifMatch)
        {
            return;
        }

        if (current is null)
        {
            throw FhirException.PreconditionFailed($"If-Match {ifMatch}: {request.ResourceType}/{request.Id} does not exist.");
        }

        if (ParseETag(ifMatch) != current.VersionId)
        {
            throw FhirException.PreconditionFailed(
                $"If-Match {ifMatch} does not match the current version W/\"{current.VersionId}\" of {current.Type}/{current.LogicalId}.");
        }
    }

    private static bool NotModified(FhirRequest request, int versionId, DateTime lastUpdated)
    {
        if (request.IfNoneMatch is { } ifNoneMatch)
        {
            return ifNoneMatch.Trim() == "*" || ifNoneMatch.Split(',').Any(tag => ParseETag(tag) == versionId);
        }

        // HTTP dates have whole seconds.
        return request.IfModifiedSince is { } since && lastUpdated.AddTicks(-(lastUpdated.Ticks % TimeSpan.TicksPerSecond)) <= since.UtcDateTime;
    }

    /// <summary>Accepts W/"3", "3" and 3.</summary>
    internal static int? ParseETag(string tag)
    {
        var trimmed = tag.Trim();
        if (trimmed.StartsWith("W/", StringComparison.Ordinal))
        {
            trimmed = trimmed[2..];
        }

        return int.TryParse(trimmed.Trim('"'), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;
    }

    private static (string Type, string Id) Target(FhirRequest request) =>
        (request.ResourceType ?? throw FhirException.BadRequest("A resource type is required."),
         request.Id ?? throw FhirException.BadRequest("A resource id is required."));

    private static Resource Body(FhirRequest request)
    {
        var resource = request.Resource ?? throw FhirException.BadRequest("A resource body is required.");
        if (resource.TypeName != request.ResourceType)
        {
            throw FhirException.BadRequest($"The body is a {resource.TypeName}, but the URL names {request.ResourceType}.", "resourceType");
        }

        return resource;
    }

    private static FhirException Gone(string type, string id, int versionId) =>
        new(HttpStatusCode.Gone, OperationOutcome.IssueType.Deleted, $"{type}/{id} was deleted (version {versionId}).");

    private static FhirResponse Stored(HttpStatusCode status, string type, string id, int versionId, DateTime lastUpdated, string json) =>
        new(status) { ResourceType = type, Id = id, VersionId = versionId, LastUpdated = lastUpdated, StoredJson = json };

    private DateTime Now()
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc);
    }

    private static string NewId() => Guid.CreateVersion7().ToString();

    internal static bool IsValidId(string id) =>
        id.Length is > 0 and <= 64 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.');

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "{Method} {ResourceType}/{Id} v{Version}")]
    private static partial void LogWrite(ILogger logger, string method, string resourceType, string id, int version);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Write conflict on {ResourceType}/{Id} ({Error})")]
    private static partial void LogWriteConflict(ILogger logger, string resourceType, string id, string error);
}