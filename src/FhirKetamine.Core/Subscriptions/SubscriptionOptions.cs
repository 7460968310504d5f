namespace FhirKetamine.Core.Subscriptions;

/// <summary><c>Subscriptions:*</c>: delivery of notifications by the background worker.</summary>
public sealed class SubscriptionOptions
{
    /// <summary>
    /// Whether this instance runs a delivery worker (default true). Notifications are queued by every
    /// instance either way; with several instances, delivery may be left to some of them.
    /// </summary>
    public bool DeliveryEnabled { get; set; } = true;

    /// <summary>Failed attempts of one notification after which its Subscription is set to <c>error</c>.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>The wait after the first failure; it doubles after each further one.</summary>
    public double RetrySeconds { get; set; } = 2;

    /// <summary>The longest wait between two attempts.</summary>
    public double MaxRetrySeconds { get; set; } = 300;

    /// <summary>How often the worker looks for notifications (also woken at once by this instance's writes).</summary>
    public int PollMilliseconds { get; set; } = 1000;

    /// <summary>A claim's lease: a worker that stops mid-delivery loses its notifications after this, and another delivers them.</summary>
    public int LeaseSeconds { get; set; } = 60;

    /// <summary>Notifications claimed at once by one worker.</summary>
    public int BatchSize { get; set; } = 20;

    /// <summary>How long one rest-hook POST may take.</summary>
    public double RequestTimeoutSeconds { get; set; } = 10;

    /// <summary>A websocket notification no client is bound to (on any instance) is dropped after this.</summary>
    public int WebSocketKeepSeconds { get; set; } = 300;

    /// <summary>The wait before attempt <paramref name="failures"/> + 1.</summary>
    public TimeSpan Backoff(int failures) =>
        TimeSpan.FromSeconds(Math.Min(MaxRetrySeconds, RetrySeconds * Math.Pow(2, Math.Max(0, failures - 1))));
}
