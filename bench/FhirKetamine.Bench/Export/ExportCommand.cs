using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;

using FhirKetamine.Bench.Cli;
using FhirKetamine.Bench.Load;
using FhirKetamine.Bench.Prefill;

namespace FhirKetamine.Bench.Export;

/// <summary>
/// <c>export</c>: Bulk Data <c>$export?_type=Observation</c> over a copy of a pre-filled database. Prints the
/// time from kick-off to the completion manifest, Observations per second, the bytes written, and the
/// server's resident memory (VmRSS) before the kick-off and at its peak while the job ran (sampled every
/// 50 ms). Then downloads the file, checks that every line is an Observation and that the counts agree.
/// Issue 11's goal: 1,000,000 Observations in at most 60 s with RSS growth at most 100 MB.
/// </summary>
internal static class ExportCommand
{
    public static async Task<int> RunAsync(Args args, CancellationToken ct)
    {
        var work = Workspace.NewTempDir("export");
        try
        {
            var copy = Path.Combine(work, "fhir.db");
            if (args.String("database") is { } database)
            {
                File.Copy(database, copy);
                Console.WriteLine($"Using a copy of {database}");
            }
            else
            {
                var dataset = await PrefillCommand.EnsureAsync(args.Int("patients", 2000), args.Int("per-patient", 500), args, ct);
                copy = dataset.CopyTo(Workspace.CacheDir, work);
            }

            var dll = await Workspace.EnsureServerBuiltAsync(args.String("server-dll"), !args.Has("no-build"), ct);
            var extra = new List<string>();
            if (args.String("page-size") is { } pageSize)
            {
                extra.Add($"--Export:PageSize={pageSize}");
            }

            // On a machine busy with other work the server's start (validator warm-up) can take minutes.
            await using var server = await ServerHost.StartAsync(dll, copy, work, extra, ct, TimeSpan.FromSeconds(args.Double("ready-timeout", 120)));
            Console.WriteLine($"server ready in {server.ReadyTime!.Value.TotalMilliseconds:F0} ms; log {server.LogPath}");
            return await MeasureAsync(server, args.String("results"), ct);
        }
        finally
        {
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
                Console.WriteLine($"(could not delete {work})");
            }
        }
    }

    private static async Task<int> MeasureAsync(ServerHost server, string? resultsFile, CancellationToken ct)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = server.FhirBase, Timeout = TimeSpan.FromMinutes(10) };
        http.DefaultRequestHeaders.Accept.ParseAdd("application/fhir+json");
        var expected = await CountAsync(http, ct);
        var pid = server.ProcessId ?? throw new InvalidOperationException("The export bench needs a server it started itself (for its RSS).");
        var rssBefore = Rss(pid);
        Console.WriteLine($"{expected:N0} Observations in the database; server RSS {rssBefore / 1048576.0:F0} MB before the kick-off");

        using var sampling = CancellationTokenSource.CreateLinkedTokenSource(ct);
        long rssPeak = rssBefore;
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                rssPeak = Math.Max(rssPeak, Rss(pid));
                try
                {
                    await Task.Delay(50, sampling.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }, CancellationToken.None);

        var started = Stopwatch.GetTimestamp();
        using var kickOff = new HttpRequestMessage(HttpMethod.Get, "$export?_type=Observation");
        kickOff.Headers.Add("Prefer", "respond-async");
        using var accepted = await http.SendAsync(kickOff, ct);
        if (accepted.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"Kick-off answered {(int)accepted.StatusCode}: {await accepted.Content.ReadAsStringAsync(ct)}");
        }

        var status = accepted.Content.Headers.ContentLocation ?? throw new InvalidOperationException("No Content-Location on the 202.");
        JsonElement manifest;
        var lastProgress = string.Empty;
        while (true)
        {
            using var poll = await http.GetAsync(status, ct);
            if (poll.StatusCode == HttpStatusCode.OK)
            {
                manifest = JsonDocument.Parse(await poll.Content.ReadAsStringAsync(ct)).RootElement.Clone();
                break;
            }

            if (poll.StatusCode != HttpStatusCode.Accepted)
            {
                throw new InvalidOperationException($"Status answered {(int)poll.StatusCode}: {await poll.Content.ReadAsStringAsync(ct)}");
            }

            var progress = poll.Headers.TryGetValues("X-Progress", out var values) ? values.First() : string.Empty;
            if (progress != lastProgress && Stopwatch.GetElapsedTime(started).TotalSeconds > 1)
            {
                Console.WriteLine($"  {Stopwatch.GetElapsedTime(started).TotalSeconds,6:F1} s  {progress}  (RSS {Rss(pid) / 1048576.0:F0} MB)");
                lastProgress = progress;
            }

            await Task.Delay(100, ct);
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        await sampling.CancelAsync();
        await sampler;

        var output = manifest.GetProperty("output").EnumerateArray().Single();
        var count = output.GetProperty("count").GetInt64();
        var download = Stopwatch.StartNew();
        var (lines, bytes) = await DownloadAsync(http, output.GetProperty("url").GetString()!, ct);
        download.Stop();

        var growth = (rssPeak - rssBefore) / 1048576.0;
        var rate = count / elapsed.TotalSeconds;
        var lines1 = new[]
        {
            $"| Observations | kick-off to manifest (s) | Observations/s | file (MB) | RSS before (MB) | RSS peak (MB) | RSS growth (MB) | download (s) |",
            "|---|---|---|---|---|---|---|---|",
            string.Create(CultureInfo.InvariantCulture,
                $"| {count:N0} | {elapsed.TotalSeconds:F1} | {rate:N0} | {bytes / 1048576.0:F0} | {rssBefore / 1048576.0:F0} | {rssPeak / 1048576.0:F0} | {growth:F0} | {download.Elapsed.TotalSeconds:F1} |"),
        };
        foreach (var line in lines1)
        {
            Console.WriteLine(line);
        }

        var projected = 1_000_000 / rate;
        Console.WriteLine($"At this rate 1,000,000 Observations take {projected:F0} s (goal ≤ 60 s); RSS growth {growth:F0} MB (goal ≤ 100 MB).");
        if (resultsFile is not null)
        {
            await File.AppendAllLinesAsync(resultsFile, lines1, ct);
        }

        var ok = count == expected && lines == count;
        if (!ok)
        {
            Console.WriteLine($"MISMATCH: {expected} in the database, {count} in the manifest, {lines} lines in the file.");
        }

        return ok ? 0 : 2;
    }

    private static async Task<long> CountAsync(HttpClient http, CancellationToken ct)
    {
        using var response = await http.GetAsync("Observation?_summary=count", ct);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement;
        return body.GetProperty("total").GetInt64();
    }

    /// <summary>Streams the NDJSON file; every line must be an Observation.</summary>
    private static async Task<(long Lines, long Bytes)> DownloadAsync(HttpClient http, string url, CancellationToken ct)
    {
        using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct);
        response.EnsureSuccessStatusCode();
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        using var reader = new StreamReader(stream);
        long lines = 0;
        long bytes = 0;
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (!line.StartsWith("{\"resourceType\":\"Observation\"", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"Line {lines + 1} is not an Observation: {line[..Math.Min(120, line.Length)]}");
            }

            lines++;
            bytes += line.Length + 1;
        }

        return (lines, bytes);
    }

    /// <summary>VmRSS of a process, in bytes (Linux /proc).</summary>
    private static long Rss(int pid) => ResidentMemory.Of(pid);
}