using System.Net;

using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Search;
using FhirKetamine.Core.Storage;

using Hl7.Fhir.Model;

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;

namespace FhirKetamine.Core.Subscriptions;

/// <summary>
/// The write side of Subscriptions, inside each write's transaction:
/// <list type="bullet">
/// <item>a Subscription written by a client is checked (criteria the search engine can run, a channel this
/// server delivers to: 422 otherwise; the writer may read the criteria's type: 403 otherwise), its owner's
/// grant is stored, and a <c>requested</c> one becomes <c>active</c> (a second version, as HAPI does);</item>
/// <item>any other write (also a resource another hook wrote, e.g. a safety rule's Flag) is matched against
/// the active Subscriptions of its type by running each one's criteria restricted to the written resource,
/// and each match queues a notification row (the outbox) that commits or rolls back with the write.</item>
/// </list>
/// </summary>
public sealed partial class SubscriptionHook(
    FhirDbContext db,
    SearchExecutor search,
    SearchQueryParser parser,
    ActiveSubscriptions active,
    SubscriptionSignal signal,
    TimeProvider clock,
    ILogger<SubscriptionHook> logger) : IObservesHookWrites
{
    public async Task AfterWriteAsync(WriteEvent write, CancellationToken ct)
    {
        var written = write.Written;
        if (written.ResourceType is not { } type || written.Id is not { } id)
        {
            return;
        }

        if (type == "Subscription")
        {
            _criteriaReadOthers = null; // the active criteria may have changed
            _activeHere = null;
        }

        if (type == "Subscription" && !write.ByHook)
        {
            await SubscriptionWrittenAsync(write, id, ct);
        }

        if (written.Resource is not null)
        {
            await MatchAsync(type, id, written.VersionId ?? 1, ct);
        }
    }

    /// <summary>Whether some active criteria reads other resources; asked per create, so kept for this scope (one group of the writer).</summary>
    private bool? _criteriaReadOthers;

    /// <summary>
    /// Matching a write reads its own index rows, unless some criteria chains, uses <c>_has</c> or a ValueSet (then other
    /// resources, of any type: true). A Subscription's own write reads the other Subscriptions.
    /// </summary>
    public async ValueTask<bool> ReadsOthersOfItsTypeAsync(FhirRequest request, Resource resource, CancellationToken ct) =>
        resource is Subscription
        || (_criteriaReadOthers ??= (await active.GetAsync(db, ct))
            .Any(s => s.Criteria.Clauses.Any(c => c.Chain is not null || c.Has is not null || c.Modifier is "in" or "not-in")));

    private async Task SubscriptionWrittenAsync(WriteEvent write, string id, CancellationToken ct)
    {
        var owner = await db.SubscriptionOwners.FirstOrDefaultAsync(o => o.SubscriptionId == id, ct);
        if (write.Written.Resource is not Subscription subscription)
        {
            // Deleted: nothing more to deliver.
            await db.Notifications.Where(n => n.SubscriptionId == id).ExecuteDeleteAsync(ct);
            await db.SubscriptionOwners.Where(o => o.SubscriptionId == id).ExecuteDeleteAsync(ct);
            return;
        }

        var access = write.Request.Access;
        var criteria = SubscriptionCriteria.Parse(subscription.Criteria, parser);
        await CheckSearchableAsync(criteria, subscription.Criteria!, ct);
        SubscriptionChannels.Check(subscription);
        SubscriptionScopes.DemandMayReceive(access, criteria.ResourceType);
        if (owner is not null && IsAnotherUsers(owner, access))
        {
            throw new FhirException(HttpStatusCode.Forbidden, OperationOutcome.IssueType.Forbidden,
                $"Subscription/{id} belongs to another user; a user/ token may change only its own subscriptions.");
        }

        if (owner is null)
        {
            owner = new SubscriptionOwnerRow { SubscriptionId = id, Scopes = string.Empty };
            db.SubscriptionOwners.Add(owner);
        }

        owner.ClientId = access.ClientId;
        owner.FhirUser = access.FhirUser;
        owner.PatientId = access.PatientId;
        owner.Scopes = SubscriptionScopes.Format(access);
        await db.SaveChangesAsync(ct);
        db.ChangeTracker.Clear();

        if (subscription.Status is Subscription.SubscriptionStatus.Requested or null)
        {
            // The response shows the version the client wrote; the stored current version is active.
            var activated = (Subscription)subscription.DeepCopy();
            activated.Status = Subscription.SubscriptionStatus.Active;
            activated.Error = null;
            await write.Rest.UpdateInCurrentTransactionAsync(activated, ct);
        }
    }

    /// <summary>
    /// Some criteria parse but fail only when the search is built (a modifier a parameter type does not take):
    /// built and translated here, without running, so such a Subscription is refused now and never breaks the
    /// writes it would be matched against.
    /// </summary>
    private async Task CheckSearchableAsync(SearchQuery criteria, string text, CancellationToken ct)
    {
        try
        {
            await search.PrepareAsync(criteria, ct);
            _ = search.Filter(criteria).ToQueryString();
        }
        catch (FhirException e)
        {
            throw FhirException.Unprocessable($"Subscription.criteria '{text}' cannot be searched: {e.Message}", "Subscription.criteria");
        }
    }

    /// <summary>A <c>user/</c> caller (no <c>system/</c> grant on Subscription) writing a Subscription another user owns.</summary>
    private static bool IsAnotherUsers(SubscriptionOwnerRow owner, Smart.SmartAccess access) =>
        !access.Scopes.Any(s => s.Context == "system" && s.Allows("Subscription", 'u'))
        && !string.Equals(owner.FhirUser, access.FhirUser, StringComparison.Ordinal);

    /// <summary>The active Subscriptions as read in <see cref="_activeTransaction"/>: see <see cref="ActiveHereAsync"/>.</summary>
    private IReadOnlyList<ActiveSubscription>? _activeHere;

    private System.Data.Common.DbTransaction? _activeTransaction;

    /// <summary>
    /// The active Subscriptions, probed once per database transaction of this scope rather than once per write: the writer's
    /// group and a transaction Bundle write many resources in one transaction, and within it only its own Subscription
    /// writes (which reset this) change the list. One committed by another instance meanwhile counts from the next
    /// transaction, as if it had been committed after this one.
    /// </summary>
    private async Task<IReadOnlyList<ActiveSubscription>> ActiveHereAsync(CancellationToken ct)
    {
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        if (_activeHere is null || transaction is null || !ReferenceEquals(transaction, _activeTransaction))
        {
            _activeHere = await active.GetAsync(db, ct);
            _activeTransaction = transaction;
        }

        return _activeHere;
    }

    private async Task MatchAsync(string type, string id, int versionId, CancellationToken ct)
    {
        var candidates = (await ActiveHereAsync(ct)).Where(s => s.ResourceType == type).ToList();
        if (candidates.Count == 0)
        {
            return;
        }

        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var queued = 0;
        foreach (var subscription in candidates)
        {
            if (!SubscriptionScopes.MayReceive(subscription.Owner, type) || !await MatchesAsync(subscription, id, ct))
            {
                continue;
            }

            db.Notifications.Add(new NotificationRow
            {
                SubscriptionId = subscription.Id,
                Channel = subscription.Channel,
                ResourceType = type,
                ResourceId = id,
                VersionId = versionId,
                CreatedMs = now,
                DueMs = now,
            });
            queued++;
        }

        if (queued > 0)
        {
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
            signal.Wake();
        }
    }

    /// <summary>Whether the written resource is among the criteria's matches; a Subscription that cannot be searched never fails the write.</summary>
    private async Task<bool> MatchesAsync(ActiveSubscription subscription, string id, CancellationToken ct)
    {
        IQueryable<ResourceRow> matches;
        try
        {
            await search.PrepareAsync(subscription.Criteria, ct); // the ValueSets of :in, as they are now (cached per terminology)
            matches = search.Filter(subscription.Criteria);
        }
        catch (FhirException e)
        {
            LogUnsearchable(logger, subscription.Id, e.Message);
            return false;
        }

        return await matches.AnyAsync(r => r.LogicalId == id, ct);
    }

    [LoggerMessage(EventId = 5005, Level = LogLevel.Warning, Message = "Subscription/{Id} cannot be matched and is skipped: {Reason}")]
    private static partial void LogUnsearchable(ILogger logger, string id, string reason);
}
