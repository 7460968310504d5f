namespace FhirKetamine.Core;

/// <summary>
/// Wakes a background worker of this instance when work was queued, so it does not wait for its next poll.
/// Signals coalesce: a worker woken once claims everything that is due, so a second signal before it runs
/// adds nothing. The poll stays the safety net (work queued by another instance, a signal before the commit).
/// </summary>
public abstract class WorkSignal : IDisposable
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
            // Already signalled.
        }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _signal.WaitAsync(timeout, ct);

    public void Dispose()
    {
        _signal.Dispose();
        GC.SuppressFinalize(this);
    }
}
