namespace FhirKetamine.Server.Export;

/// <summary>Wakes the export worker when a job is queued, so it does not wait for its next poll.</summary>
internal sealed class ExportSignal : IDisposable
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
            // Already signalled: the worker looks for every queued job when it wakes.
        }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _signal.WaitAsync(timeout, ct);

    public void Dispose() => _signal.Dispose();
}