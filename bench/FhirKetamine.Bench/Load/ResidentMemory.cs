using System.Globalization;

namespace FhirKetamine.Bench.Load;

/// <summary>
/// The server's resident memory (Linux <c>/proc/PID/status</c> VmRSS), read now or sampled every 50 ms while a phase runs
/// so that its peak can be reported (issue 5: RSS ≤ 700 MB under load).
/// </summary>
internal sealed class ResidentMemory : IAsyncDisposable
{
    private readonly int _pid;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;
    private long _peak;

    private ResidentMemory(int pid)
    {
        _pid = pid;
        _sampling = Task.Run(SampleAsync);
    }

    /// <summary>Starts sampling the server's RSS; null when the bench did not start the server (no process id).</summary>
    public static ResidentMemory? Sample(ServerHost server) => server.ProcessId is { } pid ? new ResidentMemory(pid) : null;

    /// <summary>The highest RSS seen so far, in MB.</summary>
    public double PeakMb => Interlocked.Read(ref _peak) / 1048576.0;

    /// <summary>VmRSS of a process in bytes; 0 when it is gone.</summary>
    public static long Of(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
            // The process is gone.
        }

        return 0;
    }

    /// <summary>A line for the results: the phase's peak RSS against the goal.</summary>
    public string Line(string phase) => string.Create(CultureInfo.InvariantCulture,
        $"server RSS during {phase}: peak **{PeakMb:F0} MB** (goal ≤ 700 MB; VmRSS sampled every 50 ms)");

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        _stop.Dispose();
    }

    private async Task SampleAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        do
        {
            var now = Of(_pid);
            if (now > Interlocked.Read(ref _peak))
            {
                Interlocked.Exchange(ref _peak, now);
            }
        }
        while (await NextAsync(timer));
    }

    private async Task<bool> NextAsync(PeriodicTimer timer)
    {
        try
        {
            return await timer.WaitForNextTickAsync(_stop.Token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
