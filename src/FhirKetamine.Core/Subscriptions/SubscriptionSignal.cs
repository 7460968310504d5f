namespace FhirKetamine.Core.Subscriptions;

/// <summary>
/// Wakes this instance's delivery worker when a write queued a notification. The write may not have
/// committed yet when it fires; a worker that finds nothing looks again at its next poll.
/// </summary>
public sealed class SubscriptionSignal : IDisposable
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Wake()
    {
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled: the worker claims every due notification when it wakes.
        }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _signal.WaitAsync(timeout, ct);

    public void Dispose() => _signal.Dispose();
}
