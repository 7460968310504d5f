using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace FhirKetamine.Server.Tests.Storage;

/// <summary>The real server as a child process (the FhirKetamine.Server.dll next to the tests), on loopback and a given SQLite file.</summary>
public sealed class ServerProcess : IDisposable
{
    private readonly Process process;

    private ServerProcess(Process process, Uri baseAddress)
    {
        this.process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public System.Text.StringBuilder Output { get; } = new();

    public static async Task<ServerProcess> StartAsync(string folder, TimeSpan timeout)
    {
        var port = FreePort();
        var dll = Path.Combine(AppContext.BaseDirectory, "FhirKetamine.Server.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = folder,
        };
        foreach (var argument in new[]
        {
            dll, "--urls", $"http://127.0.0.1:{port}", $"--ConnectionStrings:Fhir=Data Source={Path.Combine(folder, "fhir.db")}",
            "--Auth:Mode=Disabled", "--contentRoot", folder, "--Logging:LogLevel:Default=Warning",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var server = new ServerProcess(process, new Uri($"http://127.0.0.1:{port}/"));
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var probe = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The server exited with {process.ExitCode}: {server.Output}");
            }

            try
            {
                if ((await probe.GetAsync("health/ready")).StatusCode == HttpStatusCode.OK)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        server.Kill();
        throw new TimeoutException($"The server was not ready within {timeout}: {server.Output}");
    }

    public HttpClient CreateFhirClient()
    {
        var client = new HttpClient { BaseAddress = new Uri(BaseAddress, "fhir/"), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Accept.Add(new System.Net.Http.Headers.MediaTypeWithQualityHeaderValue("application/fhir+json"));
        return client;
    }

    /// <summary>SIGKILL: no shutdown hooks, no flush, no graceful close of the database.</summary>
    public void Kill()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
    }

    public void Dispose()
    {
        Kill();
        process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (Output)
        {
            Output.AppendLine(line);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
