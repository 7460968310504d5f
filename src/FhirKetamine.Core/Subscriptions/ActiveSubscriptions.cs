using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Search;
using FhirKetamine.Core.Smart;
using FhirKetamine.Core.Storage;

using Hl7.Fhir.Model;

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace FhirKetamine.Core.Subscriptions;

/// <summary>
/// The active Subscriptions, parsed once and kept per instance (a singleton). Every write asks whether the
/// list is still current by reading the highest version sequence of any Subscription (one probe of the
/// <c>(Type, Sequence)</c> index, inside the write's own transaction): a Subscription written through this or
/// any other instance changes it, and the list is reloaded. A Subscription created in a transaction that
/// rolls back may linger in the list until the next change; the worker checks each notification's
/// Subscription again before it delivers, so nothing is sent for it.
/// </summary>
public sealed partial class ActiveSubscriptions(FhirSerialization fhir, SearchQueryParser parser, ILogger<ActiveSubscriptions> logger)
{
    private volatile Snapshot _snapshot = new(-1, []);

    public async Task<IReadOnlyList<ActiveSubscription>> GetAsync(FhirDbContext db, CancellationToken ct)
    {
        var stamp = await db.Versions.Where(v => v.Type == "Subscription").MaxAsync(v => (long?)v.Sequence, ct) ?? 0;
        var snapshot = _snapshot;
        if (snapshot.Stamp == stamp)
        {
            return snapshot.Active;
        }

        var loaded = await LoadAsync(db, ct);
        _snapshot = new Snapshot(stamp, loaded);
        return loaded;
    }

    private async Task<List<ActiveSubscription>> LoadAsync(FhirDbContext db, CancellationToken ct)
    {
        var rows = await db.Resources.AsNoTracking()
            .Where(r => r.Type == "Subscription" && !r.IsDeleted)
            .Select(r => new
            {
                r.LogicalId,
                Json = db.Versions.Where(v => v.ResourceKey == r.Key && v.VersionId == r.VersionId).Select(v => v.Json).First(),
            })
            .ToListAsync(ct);
        var owners = await db.SubscriptionOwners.AsNoTracking().ToDictionaryAsync(o => o.SubscriptionId, StringComparer.Ordinal, ct);
        var active = new List<ActiveSubscription>();
        foreach (var row in rows)
        {
            if (fhir.ParseStored(row.Json) is not Subscription { Status: Subscription.SubscriptionStatus.Active } subscription
                || !owners.TryGetValue(row.LogicalId, out var owner))
            {
                continue;
            }

            try
            {
                var access = SmartAccess.FromScopeString(owner.ClientId, owner.FhirUser, owner.PatientId, owner.Scopes);
                var criteria = SubscriptionCriteria.Parse(subscription.Criteria, parser);
                criteria.Bounds = ScopeBounds.Of(access, 's', parser); // the owner's compartment and granular filters, as in its searches
                active.Add(new ActiveSubscription(row.LogicalId, SubscriptionChannels.Of(subscription), criteria, access));
            }
            catch (FhirException e)
            {
                // Checked when written; a search parameter removed since then makes it unusable, not the server.
                LogUnusable(logger, row.LogicalId, e.Message);
            }
        }

        return active;
    }

    private sealed record Snapshot(long Stamp, IReadOnlyList<ActiveSubscription> Active);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "Subscription/{Id} is active but cannot be matched: {Reason}")]
    private static partial void LogUnusable(ILogger logger, string id, string reason);
}
