using System.Collections.Concurrent;

using FhirKetamine.Core.Export;

using Microsoft.Extensions.Options;

namespace FhirKetamine.Server.Export;

/// <summary>
/// The background side of <c>$export</c>: claims queued jobs from the database and runs at most
/// <c>Export:MaxConcurrentJobs</c> of them at once, each in its own DI scope (its own DbContext); every
/// <c>Export:PollSeconds</c> it also deletes expired and cancelled jobs with their files. On shutdown the
/// running jobs are put back in the queue, and the next start (of this or another instance) redoes them.
/// </summary>
internal sealed partial class ExportWorker(
    IServiceScopeFactory scopes,
    IOptions<ExportOptions> options,
    ExportSignal signal,
    ILogger<ExportWorker> logger) : BackgroundService
{
    private readonly string _owner = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        using var slots = new SemaphoreSlim(Math.Max(1, settings.MaxConcurrentJobs));
        var running = new ConcurrentDictionary<string, Task>(StringComparer.Ordinal);
        var poll = TimeSpan.FromSeconds(Math.Max(1, settings.PollSeconds));
        var nextSweep = DateTime.MinValue;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (DateTime.UtcNow >= nextSweep)
                {
                    await SweepAsync(stoppingToken);
                    nextSweep = DateTime.UtcNow + poll;
                }

                await slots.WaitAsync(stoppingToken);
                var job = await ClaimAsync(stoppingToken);
                if (job is null)
                {
                    slots.Release();
                    await signal.WaitAsync(poll, stoppingToken);
                    continue;
                }

                running[job.Id] = Task.Run(
                    async () =>
                    {
                        try
                        {
                            await using var scope = scopes.CreateAsyncScope();
                            await scope.ServiceProvider.GetRequiredService<ExportRunner>().RunAsync(job, _owner, stoppingToken);
                        }
                        catch (Exception e)
                        {
                            LogJobCrashed(logger, e, job.Id);
                        }
                        finally
                        {
                            running.TryRemove(job.Id, out _);
                            slots.Release();
                        }
                    },
                    CancellationToken.None);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the running jobs see the same token and put themselves back in the queue.
        }
        finally
        {
            await Task.WhenAll(running.Values);
        }
    }

    private async Task<ExportJobRow?> ClaimAsync(CancellationToken ct)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<ExportRunner>().ClaimNextAsync(_owner, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogClaimFailed(logger, e);
            return null;
        }
    }

    private async Task SweepAsync(CancellationToken ct)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<ExportRunner>().SweepAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogSweepFailed(logger, e);
        }
    }

    [LoggerMessage(EventId = 6101, Level = LogLevel.Error, Message = "Export job {JobId} ended with an unexpected error")]
    private static partial void LogJobCrashed(ILogger logger, Exception exception, string jobId);

    [LoggerMessage(EventId = 6102, Level = LogLevel.Warning, Message = "Could not claim an export job; trying again later")]
    private static partial void LogClaimFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 6103, Level = LogLevel.Warning, Message = "Could not delete expired export jobs; trying again later")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}