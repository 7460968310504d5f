namespace FhirKetamine.Core.Subscriptions;

/// <summary>
/// Who owns a Subscription and what they were granted when they last wrote it: a subscription delivers only
/// what these scopes may read. Kept beside the resource (the resource itself has no place for it) and
/// written in the same transaction as each of the owner's writes of the Subscription.
/// </summary>
public sealed class SubscriptionOwnerRow
{
    /// <summary>The Subscription's logical id.</summary>
    public required string SubscriptionId { get; set; }

    public string? ClientId { get; set; }

    public string? FhirUser { get; set; }

    public string? PatientId { get; set; }

    /// <summary>The owner's granted scopes, space-separated.</summary>
    public required string Scopes { get; set; }
}
