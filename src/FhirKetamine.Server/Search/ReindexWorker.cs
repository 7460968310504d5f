using FhirKetamine.Core;
using FhirKetamine.Core.Search.Reindex;

namespace FhirKetamine.Server.Search;

/// <summary>Wakes the reindex worker when a job is queued, so it does not wait for its next poll.</summary>
internal sealed class ReindexSignal : WorkSignal;

/// <summary>
/// The background side of <c>$reindex</c>: claims queued jobs (or jobs whose worker's lease ran out) from the
/// database and runs them one at a time, each in its own DI scope. Index rewriting is write-heavy: one job at a
/// time per instance keeps it from crowding out clinical writes. On shutdown the running job stops between
/// chunks and is queued again; the next claim goes on from its last committed chunk.
/// </summary>
internal sealed partial class ReindexWorker(IServiceScopeFactory scopes, ReindexSignal signal, ILogger<ReindexWorker> logger) : BackgroundService
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(5);

    private readonly string _owner = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                ReindexJobRow? job = null;
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    var jobs = scope.ServiceProvider.GetRequiredService<ReindexJobs>();
                    job = await jobs.ClaimNextAsync(_owner, stoppingToken);
                    if (job is not null)
                    {
                        await jobs.RunAsync(job, _owner, stoppingToken);
                        continue;
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogWorkerFailed(logger, e, job?.Id);
                }

                await signal.WaitAsync(Poll, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: a running job has put itself back in the queue.
        }
    }

    [LoggerMessage(EventId = 5221, Level = LogLevel.Warning, Message = "The reindex worker failed (job {JobId}); trying again later")]
    private static partial void LogWorkerFailed(ILogger logger, Exception exception, string? jobId);
}
