using System.Net;

using FhirKetamine.Core.Smart;
using FhirKetamine.Core.Validation;

using Hl7.Fhir.Model;

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FhirKetamine.Core.Rest;

/// <summary>
/// Batch and transaction Bundles. Each entry becomes a <see cref="FhirRequest"/> and replays the
/// single-request path (<see cref="ResourceInteractions.HandleAsync"/>), scope check included.
/// A transaction runs in one database transaction, in the order the spec gives (DELETE, POST, PUT/PATCH,
/// GET), with <c>urn:uuid:</c> and conditional references resolved first; any failing entry rolls back all.
/// </summary>
public sealed partial class BundleProcessor(ResourceInteractions rest, Storage.FhirDbContext db, FhirSerialization fhir, ResourceValidator validator,
    IOptions<FhirLimits> limits, ILogger<BundleProcessor> logger)
{

    public async Task<FhirResponse> ProcessAsync(Bundle bundle, SmartAccess access, string baseUrl, CancellationToken ct)
    {
        if (bundle.Type is not (Bundle.BundleType.Batch or Bundle.BundleType.Transaction))
        {
            throw FhirException.BadRequest($"Only batch and transaction Bundles can be posted to the base URL, not '{bundle.Type}'.", "Bundle.type");
        }

        // 413 like an oversized body: the request is too big as sent, and splitting it is the fix.
        var maxEntries = limits.Value.MaxBundleEntries;
        if (bundle.Entry.Count > maxEntries)
        {
            throw new FhirException(HttpStatusCode.RequestEntityTooLarge, OperationOutcome.IssueType.TooCostly,
                $"A Bundle may hold at most {maxEntries} entries (Fhir:MaxBundleEntries); this one has {bundle.Entry.Count}.", "Bundle.entry");
        }

        return bundle.Type == Bundle.BundleType.Batch
            ? await BatchAsync(bundle, access, baseUrl, ct)
            : await TransactionAsync(bundle, access, baseUrl, ct);
    }

    /// <summary>
    /// Entries are independent. Creates and updates are validated and prepared in parallel (all cores),
    /// then handed to the group-commit writer together, so they commit in one transaction while each
    /// succeeds or fails on its own; the other entries (reads, searches, deletes, patches) follow in order.
    /// </summary>
    private async Task<FhirResponse> BatchAsync(Bundle bundle, SmartAccess access, string baseUrl, CancellationToken ct)
    {
        var entries = new Bundle.EntryComponent?[bundle.Entry.Count];
        var requests = new FhirRequest?[bundle.Entry.Count];
        for (var i = 0; i < requests.Length; i++)
        {
            try
            {
                requests[i] = EntryRequests.From(bundle.Entry[i], access, baseUrl);
            }
            catch (FhirException ex)
            {
                entries[i] = Failed(ex);
            }
        }

        if (rest.UsesWriter)
        {
            await GroupWritesAsync(requests, entries, baseUrl, ct);
        }

        for (var i = 0; i < requests.Length; i++)
        {
            if (entries[i] is not null || requests[i] is not { } request)
            {
                continue;
            }

            var commits = access.Origin?.Commits ?? 0;
            try
            {
                entries[i] = ToEntry(await rest.HandleAsync(request, ct), baseUrl);
            }
            catch (FhirException ex)
            {
                db.ChangeTracker.Clear();
                entries[i] = Failed(ex);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Entries are independent: one entry's failure is its own answer, not the batch's, whose earlier
                // entries may be stored already (a 5xx for the whole Bundle would invite the client to repeat them).
                db.ChangeTracker.Clear();
                LogEntryFailed(logger, i, access.Origin?.RequestId, ex);
                var stored = (access.Origin?.Commits ?? 0) > commits;
                entries[i] = Failed(
                    stored ? new FhirException(HttpStatusCode.InternalServerError, OperationOutcome.IssueType.Exception,
                        $"This entry's write was committed (stored), but the server failed before it could answer. Read the resource before repeating it. Quote request id {access.Origin?.RequestId} to the operator.")
                    : Storage.DatabaseErrors.IsBusy(ex) ? new FhirException(HttpStatusCode.ServiceUnavailable, OperationOutcome.IssueType.Transient,
                        "The database was busy; nothing of this entry was stored. Retry it.")
                    : new FhirException(HttpStatusCode.InternalServerError, OperationOutcome.IssueType.Exception,
                        $"The server failed to process this entry; nothing of it was stored. Quote request id {access.Origin?.RequestId} to the operator."));
            }
        }

        var result = new Bundle { Type = Bundle.BundleType.BatchResponse };
        result.Entry.AddRange(entries!);
        return new FhirResponse(HttpStatusCode.OK) { Resource = result };
    }

    private async Task GroupWritesAsync(FhirRequest?[] requests, Bundle.EntryComponent?[] entries, string baseUrl, CancellationToken ct)
    {
        var writes = Enumerable.Range(0, requests.Length)
            .Where(i => entries[i] is null && requests[i] is { Interaction: Interaction.Create or Interaction.Update })
            .ToList();
        var prepared = new PendingWrite?[writes.Count];
        await OnCoresAsync(writes.Count, ct, async (k, c) =>
            {
                try
                {
                    prepared[k] = await rest.PrepareWriteAsync(requests[writes[k]]!, c);
                }
                catch (FhirException ex)
                {
                    entries[writes[k]] = Failed(ex);
                }
            });

        rest.SubmitWrites(prepared.OfType<PendingWrite>().Select(p => p.Job).ToList());
        for (var k = 0; k < writes.Count; k++)
        {
            if (prepared[k] is not { } pending)
            {
                continue;
            }

            try
            {
                var response = await pending.Job.Completion;
                entries[writes[k]] = ToEntry(await rest.FinishWriteAsync(pending, response, ct), baseUrl);
            }
            catch (FhirException ex)
            {
                entries[writes[k]] = Failed(ex);
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/> for 0 … <paramref name="count"/> − 1, as many at once as there are cores. Validation is
    /// CPU work and Firely's binding check blocks its thread on the (asynchronous) terminology service: one pool work item
    /// per entry instead — 8 gateways' 50-entry batches queued 400 blocking items ahead of the continuations they waited
    /// for — starved the thread pool (bench/README.md, 2026-12-06).
    /// </summary>
    internal static Task OnCoresAsync(int count, CancellationToken ct, Func<int, CancellationToken, ValueTask> body) =>
        Parallel.ForEachAsync(Enumerable.Range(0, count),
            new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = ct }, body);

    private static Bundle.EntryComponent Failed(FhirException ex) => new()
    {
        Response = new Bundle.ResponseComponent { Status = EntryRequests.StatusLine(ex.Status), Outcome = ex.Outcome },
    };

    private async Task<FhirResponse> TransactionAsync(Bundle bundle, SmartAccess access, string baseUrl, CancellationToken ct)
    {
        var requests = new FhirRequest[bundle.Entry.Count];
        for (var i = 0; i < bundle.Entry.Count; i++)
        {
            requests[i] = At(i, () => EntryRequests.From(bundle.Entry[i], access, baseUrl));
        }

        RejectDuplicateTargets(requests);
        var validated = await ValidateEntriesAsync(bundle, requests, ct);
        var responses = new FhirResponse[requests.Length];
        var audited = access.Origin?.AuditedWrites ?? 0;
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        rest.Transaction = new TransactionWrites();
        try
        {
            // Conditional creates decide from what they read: one writer at a time (the group-commit writer takes the same lock).
            await Storage.WriteLock.AcquireAsync(db, ct);
            var ids = await AssignIdsAsync(bundle, requests, responses, ct);
            foreach (var entry in bundle.Entry)
            {
                if (entry.Resource is { } resource)
                {
                    await ResolveReferencesAsync(resource, ids, ct);
                }
            }

            for (var i = 0; i < requests.Length; i++)
            {
                requests[i] = requests[i] with { Resource = bundle.Entry[i].Resource ?? requests[i].Resource, Validated = validated[i] };
            }

            var order = Order(requests).Where(i => responses[i] is null).ToList(); // not the conditional creates that matched
            for (var n = 0; n < order.Count;)
            {
                var run = await RunOfCreatesAsync(requests, order, n, ct);
                if (run.Count >= 2)
                {
                    await CreateRunAsync(requests, run, responses, ct);
                    n += run.Count;
                    continue;
                }

                var i = order[n++];
                responses[i] = await At(i, () => rest.HandleAsync(requests[i], ct));
            }

            await rest.BeforeTransactionCommitAsync(ct);
            await transaction.CommitAsync(ct);
            if (access.Origin is { } origin && origin.AuditedWrites > audited)
            {
                origin.WritesCommitted(); // from here on, no error may say that nothing was stored
            }
        }
        catch
        {
            db.ChangeTracker.Clear();
            throw;
        }
        finally
        {
            rest.Transaction = null;
        }

        LogTransaction(logger, requests.Length);
        var result = new Bundle { Type = Bundle.BundleType.TransactionResponse };
        result.Entry.AddRange(responses.Select(r => ToEntry(r, baseUrl)));
        return new FhirResponse(HttpStatusCode.OK) { Resource = result };
    }

    /// <summary>
    /// The entries from <c>order[start]</c> on that can be stored as one run (<see cref="ResourceInteractions.StoreRunAsync"/>):
    /// new resources of one type, with their ids assigned up front and validated, which every write hook lets be stored in a run.
    /// </summary>
    private async Task<List<int>> RunOfCreatesAsync(FhirRequest[] requests, List<int> order, int start, CancellationToken ct)
    {
        var run = new List<int>();
        for (var n = start; n < order.Count; n++)
        {
            var request = requests[order[n]];
            if (request is not { CreateWithId: true, Resource: { } resource, Validated: not null }
                || request.ResourceType != requests[order[start]].ResourceType
                || !await rest.MayStoreInRunAsync(request, resource, ct))
            {
                break;
            }

            run.Add(order[n]);
        }

        return run;
    }

    /// <summary>
    /// Writes a run of new resources of one type with one SaveChanges and answers each, in order, as the single path
    /// would: each is prepared in turn (its scope, the preparers, which see the entries stored before the run), then all
    /// are stored, then each entry's hooks run in turn.
    /// </summary>
    private async Task CreateRunAsync(FhirRequest[] requests, List<int> run, FhirResponse[] responses, CancellationToken ct)
    {
        foreach (var i in run)
        {
            await At(i, async () =>
            {
                await rest.PrepareRunEntryAsync(requests[i], ct);
                return true;
            });
        }

        var stored = await rest.StoreRunAsync(run.Select(i => requests[i]).ToList(), ct);
        for (var k = 0; k < run.Count; k++)
        {
            responses[run[k]] = await At(run[k], () => rest.FinishRunEntryAsync(stored[k], ct));
        }
    }

    /// <summary>
    /// Validates every entry's resource before anything is written (and before the database transaction
    /// takes the write lock): one invalid entry refuses the whole transaction with 422, every invalid
    /// entry's issues in one OperationOutcome, in entry order, located as <c>Bundle.entry[i].resource…</c>.
    /// Each is checked alone against the store as committed, so they run <see cref="OnCoresAsync">on all cores</see>.
    /// </summary>
    private async Task<OperationOutcome?[]> ValidateEntriesAsync(Bundle bundle, FhirRequest[] requests, CancellationToken ct)
    {
        var validated = new OperationOutcome?[requests.Length];
        var refusals = new IEnumerable<OperationOutcome.IssueComponent>?[requests.Length];
        await OnCoresAsync(requests.Length, ct, async (i, c) =>
            {
                if (requests[i].Interaction is not (Interaction.Create or Interaction.Update) || bundle.Entry[i].Resource is not { } resource)
                {
                    return; // PATCH entries are validated on their patched result, inside the transaction
                }

                try
                {
                    validated[i] = await validator.CheckWriteAsync(resource, c, requests[i].BaseUrl);
                }
                catch (FhirException ex) when (ex.Status == HttpStatusCode.UnprocessableEntity)
                {
                    refusals[i] = ex.Outcome.Issue.Select(issue => InEntry(i, resource.TypeName, issue)).ToList();
                }
            });

        var refused = new OperationOutcome();
        refused.Issue.AddRange(refusals.OfType<IEnumerable<OperationOutcome.IssueComponent>>().SelectMany(issues => issues));
        return refused.Issue.Count > 0 ? throw new FhirException(HttpStatusCode.UnprocessableEntity, refused) : validated;
    }

    private static OperationOutcome.IssueComponent InEntry(int index, string type, OperationOutcome.IssueComponent issue)
    {
        issue.Expression = issue.Expression
            .Select(e => e == type ? $"Bundle.entry[{index}].resource"
                : e?.StartsWith(type + ".", StringComparison.Ordinal) == true ? $"Bundle.entry[{index}].resource{e![type.Length..]}" : e)
            .ToList();
        issue.Diagnostics = $"Bundle.entry[{index}]: {issue.Diagnostics ?? issue.Details?.Text}";
        return issue;
    }

    /// <summary>
    /// Gives every created resource its id before anything is written, so references to its
    /// <c>fullUrl</c> can be rewritten; a conditional create that matches reuses the match's id.
    /// </summary>
    private async Task<Dictionary<string, string>> AssignIdsAsync(Bundle bundle, FhirRequest[] requests, FhirResponse[] responses, CancellationToken ct)
    {
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < requests.Length; i++)
        {
            var request = requests[i];
            if (request.Interaction != Interaction.Create)
            {
                if (request.Interaction == Interaction.Update && !request.IsConditional && bundle.Entry[i].FullUrl is { } putUrl)
                {
                    ids[putUrl] = $"{request.ResourceType}/{request.Id}";
                }

                continue;
            }

            string id;
            if (request.IfNoneExist is { } condition)
            {
                var matches = await At(i, () => rest.MatchKeysAsync(request.ResourceType!, QueryString.Parse(condition), 2, ct));
                if (matches.Count > 1)
                {
                    throw Entry(i, FhirException.PreconditionFailed($"If-None-Exist '{condition}' matches more than one {request.ResourceType}."));
                }

                if (matches.Count == 1)
                {
                    responses[i] = await rest.ReadAsync(request with { Interaction = Interaction.Read, Id = matches[0] }, ct);
                    id = matches[0];
                }
                else
                {
                    id = Guid.CreateVersion7().ToString();
                }
            }
            else
            {
                id = Guid.CreateVersion7().ToString();
            }

            requests[i] = request with { Interaction = Interaction.Update, Id = id, IfNoneExist = null, CreateWithId = true };
            if (bundle.Entry[i].Resource is { } resource)
            {
                resource.Id = id;
            }

            if (bundle.Entry[i].FullUrl is { } fullUrl)
            {
                ids[fullUrl] = $"{request.ResourceType}/{id}";
            }
        }

        return ids;
    }

    /// <summary>Rewrites references to entries' fullUrls, and conditional references (<c>Patient?identifier=…</c>) to the one match.</summary>
    private async Task ResolveReferencesAsync(Base element, Dictionary<string, string> ids, CancellationToken ct)
    {
        foreach (var child in ChildrenOf(element))
        {
            if (child is ResourceReference { Reference: { } reference } target)
            {
                if (ids.TryGetValue(reference, out var local))
                {
                    target.Reference = local;
                }
                else if (reference.StartsWith("urn:uuid:", StringComparison.Ordinal) || reference.StartsWith("urn:oid:", StringComparison.Ordinal))
                {
                    throw FhirException.BadRequest($"Reference '{reference}' names no entry of this transaction.");
                }
                else if (reference.IndexOf('?', StringComparison.Ordinal) is var q and > 0 && ModelInfo.IsKnownResource(reference[..q]))
                {
                    var type = reference[..q];
                    var matches = await rest.MatchKeysAsync(type, QueryString.Parse(reference[(q + 1)..]), 2, ct);
                    target.Reference = matches.Count == 1
                        ? $"{type}/{matches[0]}"
                        : throw FhirException.PreconditionFailed($"Conditional reference '{reference}' matches {(matches.Count == 0 ? "no" : "more than one")} {type}.");
                }
            }

            await ResolveReferencesAsync(child, ids, ct);
        }
    }

    private static IEnumerable<Base> ChildrenOf(Base element)
    {
        foreach (var (_, value) in element.EnumerateElements())
        {
            switch (value)
            {
                case Base single:
                    yield return single;
                    break;
                case IEnumerable<Base> many:
                    foreach (var item in many.ToList())
                    {
                        yield return item;
                    }

                    break;
            }
        }
    }

    /// <summary>R4 http.html#trules: DELETE, then POST, then PUT and PATCH, then GET and HEAD; request order within each.</summary>
    private static IEnumerable<int> Order(FhirRequest[] requests) =>
        Enumerable.Range(0, requests.Length).OrderBy(i => requests[i] switch
        {
            { Interaction: Interaction.Delete } => 0,
            { CreateWithId: true } or { Interaction: Interaction.Create } => 1,
            { Interaction: Interaction.Update or Interaction.Patch } => 2,
            _ => 3,
        });

    private static void RejectDuplicateTargets(FhirRequest[] requests)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < requests.Length; i++)
        {
            if (requests[i] is { Id: { } id, Interaction: Interaction.Update or Interaction.Delete or Interaction.Patch } request
                && !seen.Add($"{request.ResourceType}/{id}"))
            {
                throw Entry(i, FhirException.BadRequest($"{request.ResourceType}/{id} is the target of more than one entry of this transaction."));
            }
        }

    }

    private Bundle.EntryComponent ToEntry(FhirResponse response, string baseUrl)
    {
        var entry = new Bundle.EntryComponent
        {
            Response = new Bundle.ResponseComponent
            {
                Status = EntryRequests.StatusLine(response.Status),
                Location = response.Location is { } location ? $"{baseUrl}/{location}" : null,
                Etag = response.ETag,
                LastModified = response.LastUpdated is { } at ? new DateTimeOffset(at, TimeSpan.Zero) : null,
                Outcome = response.Outcome,
            },
        };
        if (response.HasResource)
        {
            entry.Resource = response.Resource ?? fhir.ParseStored(response.StoredJson!);
            if (response.ResourceType is not null && response.Id is not null)
            {
                entry.FullUrl = $"{baseUrl}/{response.ResourceType}/{response.Id}";
            }
        }

        return entry;
    }

    private static T At<T>(int index, Func<T> work)
    {
        try
        {
            return work();
        }
        catch (FhirException ex)
        {
            throw Entry(index, ex);
        }
    }

    private static async Task<T> At<T>(int index, Func<Task<T>> work)
    {
        try
        {
            return await work();
        }
        catch (FhirException ex)
        {
            throw Entry(index, ex);
        }
    }

    /// <summary>Says which entry failed, so the client can find it in a 100-entry transaction.</summary>
    private static FhirException Entry(int index, FhirException ex)
    {
        foreach (var issue in ex.Outcome.Issue)
        {
            issue.Diagnostics = $"Bundle.entry[{index}]: {issue.Diagnostics}";
        }

        return new FhirException(ex.Status, ex.Outcome);
    }

    [LoggerMessage(EventId = 1102, Level = LogLevel.Error, Message = "Batch entry {Index} of request {RequestId} failed")]
    private static partial void LogEntryFailed(ILogger logger, int index, string? requestId, Exception exception);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Transaction of {Count} entries committed")]
    private static partial void LogTransaction(ILogger logger, int count);
}