namespace FhirKetamine.Core.Subscriptions;

/// <summary>
/// Wakes this instance's delivery worker when a write queued a notification. The write may not have
/// committed yet when it fires; a worker that finds nothing looks again at its next poll.
/// </summary>
public sealed class SubscriptionSignal : WorkSignal;
