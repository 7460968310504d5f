using System.Collections.Concurrent;

namespace FhirKetamine.Core.Export;

/// <summary>
/// The jobs running in this process, so that a DELETE on the status URL stops its worker at once rather
/// than at the next heartbeat (which also notices, on any instance). A DI singleton.
/// </summary>
public sealed class ExportCancellations
{
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _running = new(StringComparer.Ordinal);

    public void Register(string jobId, CancellationTokenSource source) => _running[jobId] = source;

    public void Unregister(string jobId) => _running.TryRemove(jobId, out _);

    public void Cancel(string jobId)
    {
        if (_running.TryGetValue(jobId, out var source))
        {
            try
            {
                source.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The job finished between the lookup and the cancel: nothing left to stop.
            }
        }
    }
}