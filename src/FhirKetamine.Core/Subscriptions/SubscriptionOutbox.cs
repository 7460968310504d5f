using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Smart;
using FhirKetamine.Core.Storage;

using Hl7.Fhir.Model;

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FhirKetamine.Core.Subscriptions;

/// <summary>
/// The delivery side of the outbox, for the background workers (scoped: one per worker pass).
/// <para>
/// Claiming is one statement on both providers: <c>UPDATE … SET ClaimedUntilMs = lease WHERE Id IN (SELECT …
/// due and unclaimed … LIMIT n) RETURNING Id</c>. On PostgreSQL the sub-select takes <c>FOR UPDATE SKIP
/// LOCKED</c>, so concurrent instances claim disjoint rows without waiting for each other, and the outer
/// <c>WHERE</c> repeats the lease test, so a row is never claimed twice even if the lock were missed. SQLite has
/// one writer at a time, so the same statement is atomic there. A claim is a lease: rows of a worker that
/// stopped are claimed again when it runs out (delivery is at-least-once).
/// </para>
/// </summary>
public sealed partial class SubscriptionOutbox(
    FhirDbContext db,
    ResourceInteractions rest,
    FhirSerialization fhir,
    IOptions<SubscriptionOptions> options,
    TimeProvider clock,
    ILogger<SubscriptionOutbox> logger)
{
    private SubscriptionOptions Options => options.Value;

    private long NowMs => clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Claims due rest-hook notifications, or (with <paramref name="websocketSubscription"/>) those of one websocket Subscription bound here.</summary>
    public async Task<List<NotificationRow>> ClaimAsync(string worker, string? websocketSubscription, CancellationToken ct)
    {
        var now = NowMs;
        var lease = now + (Options.LeaseSeconds * 1000L);
        var lockClause = db.Database.ProviderName?.Contains("Npgsql", StringComparison.Ordinal) == true ? " FOR UPDATE SKIP LOCKED" : string.Empty;
        var which = websocketSubscription is null ? "\"Channel\" = 'rest-hook'" : "\"SubscriptionId\" = {4}";
        var sql = $"""
            UPDATE subscription_outbox SET "ClaimedUntilMs" = {"{0}"}, "ClaimedBy" = {"{1}"}
            WHERE "Id" IN (
                SELECT "Id" FROM subscription_outbox
                WHERE {which} AND "DueMs" <= {"{2}"} AND "ClaimedUntilMs" < {"{2}"}
                ORDER BY "Id" LIMIT {"{3}"}{lockClause})
            AND "ClaimedUntilMs" < {"{2}"}
            RETURNING "Id" AS "Value"
            """;
        object[] parameters = websocketSubscription is null
            ? [lease, worker, now, Options.BatchSize]
            : [lease, worker, now, Options.BatchSize, websocketSubscription];
        var ids = await db.Database.SqlQueryRaw<long>(sql, parameters).ToListAsync(ct);
        return ids.Count == 0 ? [] : await db.Notifications.AsNoTracking().Where(n => ids.Contains(n.Id)).OrderBy(n => n.Id).ToListAsync(ct);
    }

    /// <summary>
    /// What to send for a claimed row, or null when it must not be sent (its Subscription was deleted or is no
    /// longer active, or its owner may not read the resource): the row is then dropped.
    /// </summary>
    public async Task<Notification?> PrepareAsync(NotificationRow row, CancellationToken ct)
    {
        var json = await CurrentJsonAsync("Subscription", row.SubscriptionId, ct);
        var owner = await db.SubscriptionOwners.AsNoTracking().FirstOrDefaultAsync(o => o.SubscriptionId == row.SubscriptionId, ct);
        if (json is null || owner is null || fhir.ParseStored(json) is not Subscription { Status: Subscription.SubscriptionStatus.Active } subscription)
        {
            await DropAsync(row, ct);
            return null;
        }

        var access = SmartAccess.FromScopeString(owner.ClientId, owner.FhirUser, owner.PatientId, owner.Scopes);
        if (!SubscriptionScopes.MayReceive(access, row.ResourceType))
        {
            LogNotPermitted(logger, row.SubscriptionId, row.ResourceType);
            await DropAsync(row, ct);
            return null;
        }

        string? resourceJson = null;
        if (!string.IsNullOrEmpty(subscription.Channel.Payload))
        {
            resourceJson = await db.Versions.AsNoTracking()
                .Where(v => v.Type == row.ResourceType && v.LogicalId == row.ResourceId && v.VersionId == row.VersionId && !v.IsDeleted)
                .Select(v => v.Json).FirstOrDefaultAsync(ct);
            if (resourceJson is null)
            {
                await DropAsync(row, ct);
                return null;
            }
        }

        return new Notification(row, subscription, access, resourceJson);
    }

    public Task DeliveredAsync(NotificationRow row, CancellationToken ct) => DropAsync(row, ct);

    /// <summary>Gives a claimed row back untried (a websocket client went away before its ping): no attempt is counted.</summary>
    public Task ReleaseAsync(NotificationRow row, CancellationToken ct) =>
        Mine(row).ExecuteUpdateAsync(s => s.SetProperty(n => n.ClaimedUntilMs, 0L).SetProperty(n => n.ClaimedBy, (string?)null), ct);

    /// <summary>
    /// Records a failed attempt: the row waits (doubling back-off) for another one, or, after
    /// <see cref="SubscriptionOptions.MaxAttempts"/>, its Subscription is set to <c>error</c> with the reason and
    /// its pending notifications are dropped.
    /// </summary>
    public async Task FailedAsync(NotificationRow row, string error, CancellationToken ct)
    {
        var attempts = row.Attempts + 1;
        LogFailed(logger, row.SubscriptionId, attempts, error);
        if (attempts < Options.MaxAttempts)
        {
            var due = NowMs + (long)Options.Backoff(attempts).TotalMilliseconds;
            await Mine(row).ExecuteUpdateAsync(s => s
                .SetProperty(n => n.Attempts, attempts)
                .SetProperty(n => n.DueMs, due)
                .SetProperty(n => n.ClaimedUntilMs, 0L)
                .SetProperty(n => n.ClaimedBy, (string?)null)
                .SetProperty(n => n.LastError, error), ct);
            return;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (await CurrentJsonAsync("Subscription", row.SubscriptionId, ct) is { } json
            && fhir.ParseStored(json) is Subscription { Status: Subscription.SubscriptionStatus.Active } subscription)
        {
            subscription.Status = Subscription.SubscriptionStatus.Error;
            subscription.Error = $"Delivery failed {attempts} times; last: {error}";
            await rest.UpdateInCurrentTransactionAsync(subscription, ct);
            LogError(logger, row.SubscriptionId, attempts);
        }

        await db.Notifications.Where(n => n.SubscriptionId == row.SubscriptionId).ExecuteDeleteAsync(ct);
        await transaction.CommitAsync(ct);
    }

    /// <summary>Drops websocket notifications no client took within <see cref="SubscriptionOptions.WebSocketKeepSeconds"/>.</summary>
    public Task<int> SweepAsync(CancellationToken ct)
    {
        var before = NowMs - (Options.WebSocketKeepSeconds * 1000L);
        var now = NowMs;
        return db.Notifications
            .Where(n => n.Channel == SubscriptionChannels.WebSocket && n.CreatedMs < before && n.ClaimedUntilMs < now)
            .ExecuteDeleteAsync(ct);
    }

    private Task DropAsync(NotificationRow row, CancellationToken ct) => Mine(row).ExecuteDeleteAsync(ct);

    private IQueryable<NotificationRow> Mine(NotificationRow row) =>
        db.Notifications.Where(n => n.Id == row.Id && n.ClaimedBy == row.ClaimedBy);

    private Task<string?> CurrentJsonAsync(string type, string id, CancellationToken ct) =>
        db.Resources.AsNoTracking()
            .Where(r => r.Type == type && r.LogicalId == id && !r.IsDeleted)
            .Select(r => db.Versions.Where(v => v.ResourceKey == r.Key && v.VersionId == r.VersionId).Select(v => v.Json).First())
            .FirstOrDefaultAsync(ct);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "Notification for Subscription/{Id} failed (attempt {Attempt}): {Error}")]
    private static partial void LogFailed(ILogger logger, string id, int attempt, string error);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "Subscription/{Id} set to error after {Attempts} failed attempts")]
    private static partial void LogError(ILogger logger, string id, int attempts);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "Subscription/{Id}: its owner may not read {ResourceType}; notification dropped")]
    private static partial void LogNotPermitted(ILogger logger, string id, string resourceType);
}
