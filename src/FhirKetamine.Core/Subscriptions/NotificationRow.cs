namespace FhirKetamine.Core.Subscriptions;

/// <summary>
/// One pending notification (the outbox): written in the transaction of the write that matched a
/// Subscription, deleted once delivered. A worker claims a row by setting <see cref="ClaimedUntilMs"/>
/// (a lease: a worker that dies loses its rows when it runs out). Times are Unix milliseconds, so the claim's
/// comparisons are plain integer ones on both providers.
/// </summary>
public sealed class NotificationRow
{
    public long Id { get; set; }

    public required string SubscriptionId { get; set; }

    /// <summary><c>rest-hook</c> or <c>websocket</c>, copied from the Subscription when the row was written.</summary>
    public required string Channel { get; set; }

    /// <summary>The version that matched: what a full-resource payload sends.</summary>
    public required string ResourceType { get; set; }

    public required string ResourceId { get; set; }

    public int VersionId { get; set; }

    public long CreatedMs { get; set; }

    /// <summary>Failed delivery attempts so far.</summary>
    public int Attempts { get; set; }

    /// <summary>Not delivered before this time (the back-off after a failure).</summary>
    public long DueMs { get; set; }

    /// <summary>0 when unclaimed; otherwise the claiming worker's lease ends then.</summary>
    public long ClaimedUntilMs { get; set; }

    public string? ClaimedBy { get; set; }

    /// <summary>The last failure, for the Subscription's <c>error</c> when the attempts run out.</summary>
    public string? LastError { get; set; }
}
