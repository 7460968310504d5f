using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace FhirKetamine.Bench.Load;

/// <summary>
/// The server under test: either a child process this bench started on a loopback port and a given
/// SQLite file (and stops again), or an already running server at a URL.
/// </summary>
internal sealed class ServerHost : IAsyncDisposable
{
    private const int SigTerm = 15;

    private readonly Process? _process;
    private readonly string? _logPath;

    private ServerHost(Uri origin, Process? process, string? logPath, TimeSpan? readyTime)
    {
        Origin = origin;
        _process = process;
        _logPath = logPath;
        ReadyTime = readyTime;
    }

    public Uri Origin { get; }

    public Uri FhirBase => new(Origin, "/fhir/");

    /// <summary>From process start to the first 200 from <c>/health/ready</c>; null for a server we did not start.</summary>
    public TimeSpan? ReadyTime { get; }

    public bool Started => _process is not null;

    /// <summary>The server's process id when this bench started it (for its RSS).</summary>
    public int? ProcessId => _process?.Id;

    /// <summary>CPU time the server has used so far (negative when unknown).</summary>
    public TimeSpan CpuTime()
    {
        try
        {
            if (_process is null)
            {
                return TimeSpan.FromTicks(-1);
            }

            _process.Refresh();
            return _process.TotalProcessorTime;
        }
        catch (InvalidOperationException)
        {
            return TimeSpan.FromTicks(-1);
        }
    }

    public static Task<ServerHost> AttachAsync(Uri origin, CancellationToken ct)
    {
        if (!FhirHttp.IsLoopback(origin))
        {
            throw new ArgumentException($"Refusing to target {origin}: loopback addresses only.");
        }

        return Task.FromResult(new ServerHost(origin, null, null, null));
    }

    public static async Task<ServerHost> StartAsync(string serverDll, string databasePath, string workDir, IEnumerable<string> extraArgs, CancellationToken ct, TimeSpan? readyTimeout = null)
    {
        var port = FreeLoopbackPort();
        var origin = new Uri($"http://127.0.0.1:{port}/");
        // Logs outlive the temp folder, so a 500 seen under load can be traced afterwards.
        var logDir = Directory.CreateDirectory(Path.Combine(Workspace.CacheDir, "logs")).FullName;
        var logPath = Path.Combine(logDir, $"server-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{port}.log");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(serverDll)!,
        };
        psi.ArgumentList.Add(serverDll);
        if (Path.GetFileName(serverDll) == "FhirKetamine.Bench.dll")
        {
            // --server-dll pointing at this bench runs the in-memory fake: a check of the client alone.
            psi.ArgumentList.Add("fake-server");
        }

        psi.ArgumentList.Add("--urls");
        psi.ArgumentList.Add(origin.ToString().TrimEnd('/'));
        psi.ArgumentList.Add($"--ConnectionStrings:Fhir=Data Source={databasePath}");
        psi.ArgumentList.Add("--Auth:Mode=Disabled");
        psi.ArgumentList.Add("--Logging:LogLevel:Default=Warning");
        foreach (var arg in extraArgs)
        {
            psi.ArgumentList.Add(arg);
        }

        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        psi.Environment["DOTNET_gcServer"] = Environment.GetEnvironmentVariable("DOTNET_gcServer") ?? "1";

        var log = new StreamWriter(logPath) { AutoFlush = true };
        var started = Stopwatch.GetTimestamp();
        var process = Process.Start(psi) ?? throw new InvalidOperationException("Could not start the server.");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var probe = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = origin, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = readyTimeout ?? TimeSpan.FromSeconds(120);
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The server exited with code {process.ExitCode} before it was ready. Log {logPath}:\n{Tail(logPath)}");
            }

            try
            {
                using var response = await probe.GetAsync("health/ready", ct);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    break;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            if (Stopwatch.GetElapsedTime(started) > deadline)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"The server was not ready after {deadline.TotalSeconds} s. Log {logPath}:\n{Tail(logPath)}");
            }

            await Task.Delay(10, ct);
        }

        var ready = Stopwatch.GetElapsedTime(started);
        return new ServerHost(origin, process, logPath, ready);
    }

    public static string Tail(string path, int lines = 40)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            return string.Join('\n', reader.ReadToEnd().Split('\n').TakeLast(lines));
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }

    public string? LogPath => _logPath;

    /// <summary>SIGTERM first (a clean shutdown checkpoints the WAL), then a kill after 30 s.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_process is null || _process.HasExited)
        {
            _process?.Dispose();
            return;
        }

        _ = Kill(_process.Id, SigTerm);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
        }

        _process.Dispose();
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}