using System.Globalization;

namespace FhirKetamine.Bench.Load;

/// <summary>
/// The server's resident memory (Linux <c>/proc/PID/status</c> VmRSS), read now or sampled every 50 ms while a phase runs
/// so that its peak can be reported (issue 5: RSS ≤ 700 MB under load). At the peak it also keeps how much of it is the
/// process's own memory (RssAnon: GC heap, native allocations, code) and how much is file pages mapped into it (RssFile:
/// the SQLite database, read through <c>mmap</c>, and the loaded assemblies), which the kernel can drop under pressure.
/// </summary>
internal sealed class ResidentMemory : IAsyncDisposable
{
    private readonly int _pid;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;
    private long _peak;
    private long _peakAnon;
    private long _peakFile;

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
    public static long Of(int pid) => Read(pid).Total;

    /// <summary>VmRSS, RssAnon and RssFile of a process in bytes; zeros when it is gone.</summary>
    private static (long Total, long Anon, long File) Read(int pid)
    {
        long total = 0, anon = 0, file = 0;
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                var key = line.IndexOf(':', StringComparison.Ordinal) is > 0 and var colon ? line[..colon] : string.Empty;
                if (key is not ("VmRSS" or "RssAnon" or "RssFile"))
                {
                    continue;
                }

                var bytes = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
                _ = key switch
                {
                    "VmRSS" => total = bytes,
                    "RssAnon" => anon = bytes,
                    _ => file = bytes,
                };
            }
        }
        catch (IOException)
        {
            // The process is gone.
        }

        return (total, anon, file);
    }

    /// <summary>A line for the results: the phase's peak RSS against the goal.</summary>
    public string Line(string phase) => string.Create(CultureInfo.InvariantCulture,
        $"server RSS during {phase}: peak **{PeakMb:F0} MB** (goal ≤ 700 MB; VmRSS sampled every 50 ms), of it {Interlocked.Read(ref _peakAnon) / 1048576.0:F0} MB the process's own (RssAnon) and {Interlocked.Read(ref _peakFile) / 1048576.0:F0} MB mapped files (RssFile: the database through mmap, assemblies)");

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
            var now = Read(_pid);
            if (now.Total > Interlocked.Read(ref _peak))
            {
                Interlocked.Exchange(ref _peakAnon, now.Anon);
                Interlocked.Exchange(ref _peakFile, now.File);
                Interlocked.Exchange(ref _peak, now.Total);
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
