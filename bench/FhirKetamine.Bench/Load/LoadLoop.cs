using System.Collections.Concurrent;
using System.Diagnostics;

namespace FhirKetamine.Bench.Load;

/// <summary>
/// N closed-loop clients, each sending its next request as soon as the last one answered, for a fixed
/// time. Every latency is kept (one list per client, merged at the end), so percentiles are exact.
/// </summary>
internal static class LoadLoop
{
    /// <summary>A request, given the client's own random source and a running sequence number.</summary>
    public delegate Task<Outcome> Request(Random rng, long sequence, CancellationToken ct);

    public static async Task<ScenarioResult> RunAsync(
        string scenario, int clients, TimeSpan warmup, TimeSpan duration, int itemsPerRequest,
        Request request, Func<TimeSpan> serverCpu, CancellationToken ct)
    {
        if (warmup > TimeSpan.Zero)
        {
            Console.WriteLine($"  warm-up {warmup.TotalSeconds:F0} s at {clients} clients ...");
            await RunClientsAsync(clients, warmup, request, new ConcurrentQueue<string>(), ct);
        }

        Console.WriteLine($"  measuring {duration.TotalSeconds:F0} s at {clients} clients ...");
        var errors = new ConcurrentQueue<string>();
        var clientCpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var serverCpu0 = serverCpu();
        var machine0 = MachineCpu.Read();
        var started = Stopwatch.GetTimestamp();
        var perClient = await RunClientsAsync(clients, duration, request, errors, ct);
        var elapsed = Stopwatch.GetElapsedTime(started);
        var serverCpuUsed = serverCpu() - serverCpu0;
        var clientCpuUsed = Process.GetCurrentProcess().TotalProcessorTime - clientCpu0;
        var machineBusy = MachineCpu.PercentBusy(machine0, MachineCpu.Read());

        var all = new List<long>(perClient.Sum(c => c.Latencies.Count));
        foreach (var c in perClient)
        {
            all.AddRange(c.Latencies);
        }

        var cores = Environment.ProcessorCount;
        return new ScenarioResult(
            scenario, clients, elapsed.TotalSeconds,
            perClient.Sum(c => c.Ok), perClient.Sum(c => c.Errors),
            LatencyStats.From(all), itemsPerRequest,
            serverCpu0 < TimeSpan.Zero || serverCpuUsed < TimeSpan.Zero ? double.NaN : 100.0 * serverCpuUsed / elapsed / cores,
            100.0 * clientCpuUsed / elapsed / cores,
            machineBusy,
            errors.Distinct().Take(5).ToList());
    }

    private sealed class ClientTally
    {
        public List<long> Latencies { get; } = new(100_000);
        public long Ok { get; set; }
        public long Errors { get; set; }
    }

    private static async Task<ClientTally[]> RunClientsAsync(
        int clients, TimeSpan duration, Request request, ConcurrentQueue<string> errors, CancellationToken ct)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var sequence = 0L;
        var tallies = Enumerable.Range(0, clients).Select(_ => new ClientTally()).ToArray();
        var tasks = tallies.Select((tally, i) => Task.Run(async () =>
        {
            var rng = new Random(HashCode.Combine(i, Environment.TickCount));
            while (!ct.IsCancellationRequested)
            {
                var t0 = Stopwatch.GetTimestamp();
                if (t0 >= deadline)
                {
                    break;
                }

                Outcome outcome;
                try
                {
                    outcome = await request(rng, Interlocked.Increment(ref sequence), ct);
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
                {
                    outcome = Outcome.Fail($"{ex.GetType().Name}: {ex.Message}");
                }

                var t1 = Stopwatch.GetTimestamp();
                if (outcome.Ok)
                {
                    tally.Ok++;
                    tally.Latencies.Add(t1 - t0);
                }
                else
                {
                    tally.Errors++;
                    if (errors.Count < 50)
                    {
                        errors.Enqueue(outcome.Error ?? "unknown error");
                    }
                }
            }
        }, ct)).ToArray();
        await Task.WhenAll(tasks);
        return tallies;
    }
}