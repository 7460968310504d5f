using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

using FhirKetamine.Bench.Cli;

namespace FhirKetamine.Bench.Load;

/// <summary>
/// <c>gateway</c>: bedside-monitor gateways posting vitals with <c>If-None-Exist</c> (single creates)
/// or <c>ifNoneExist</c> (batch entries), with random retries of acknowledged posts and racing
/// duplicate posts. Phases: the bare-validator ceiling (before the server starts, same readings),
/// single creates from closed-loop clients, batches from closed-loop gateways, then an open-loop run of
/// N chairs (a vital every k seconds each) at half the single-create throughput, latency measured from
/// each reading's scheduled time. Ends with the count check: every acknowledged reading is stored
/// exactly once, and every answer for one reading named the same resource.
/// </summary>
internal static class GatewayCommand
{
    private static readonly VitalKind[] Kinds = [VitalKind.HeartRate, VitalKind.BloodPressure, VitalKind.OxygenSaturation, VitalKind.RespiratoryRate];

    public static async Task<int> RunAsync(Args args, CancellationToken ct)
    {
        var phases = args.String("phases", "ceiling,single,batch,half").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        var clients = Math.Clamp(args.Int("clients", 16), 1, 512);
        var gateways = Math.Clamp(args.Int("gateways", 8), 1, 512);
        var batchSize = Math.Clamp(args.Int("batch", 50), 1, 1000);
        var chairs = Math.Clamp(args.Int("chairs", 16), 1, 10_000);
        var duration = TimeSpan.FromSeconds(Math.Clamp(args.Double("duration", 30), 1, 600));
        var warmup = TimeSpan.FromSeconds(Math.Clamp(args.Double("warmup", 10), 0, 120));
        var retryRate = Math.Clamp(args.Double("retry-rate", 0.02), 0, 1);
        var duplicateRate = Math.Clamp(args.Double("duplicate-rate", 0.02), 0, 1);
        var run = Guid.NewGuid().ToString("N")[..8];
        var lines = new List<string>();
        var failed = false;

        double? ceiling = null;
        if (phases.Contains("ceiling"))
        {
            Console.WriteLine("Phase ceiling (no server running):");
            var rng = new Random(3);
            var samples = Enumerable.Range(0, 400).Select(i => Vitals.Observation(Kinds[i % Kinds.Length], "Patient/p1",
                new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero).AddSeconds(i), $"ceiling-{i}", rng)).ToList();
            ceiling = await ValidatorCeiling.MeasureAsync(samples, TimeSpan.FromSeconds(Math.Max(5, warmup.TotalSeconds)), TimeSpan.FromSeconds(Math.Max(5, duration.TotalSeconds / 2)), ct);
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"bare validator ceiling: **{ceiling:F0} readings/s** ({Environment.ProcessorCount} cores, the same HR/BP/SpO2/RR mix, parsed once, Enforce mode, core R4 + IG profiles)"));
        }

        var work = Workspace.NewTempDir("gateway");
        var extra = new List<string>();
        if (args.String("group-commit") is { } groupCommit)
        {
            extra.Add($"--Storage:GroupCommit:Enabled={groupCommit}");
        }

        extra.AddRange(args.String("server-args")?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? []); // e.g. "--Storage:GroupCommit:MaxGroupSize=100"

        var serverUrl = args.String("server-url");
        await using (var server = serverUrl is not null
            ? await ServerHost.AttachAsync(new Uri(serverUrl.TrimEnd('/') + "/"), ct)
            : await ServerHost.StartAsync(await Workspace.EnsureServerBuiltAsync(args.String("server-dll"), !args.Has("no-build"), ct),
                Path.Combine(work, "fhir.db"), work, extra, ct))
        {
            if (server.LogPath is not null)
            {
                Console.WriteLine($"server log {server.LogPath}");
            }

            using var http = new FhirHttp(server.FhirBase, Math.Max(clients, gateways) * 2 + chairs);
            var patients = new List<string>();
            for (var i = 0; i < Math.Max(chairs, 16); i++)
            {
                patients.Add(await http.CreateAsync("Patient", Vitals.Patient($"Chair{i:D3}", "Pat", new DateOnly(1970, 1, 1).AddDays(i * 97)), ct));
            }

            var ledger = new Ledger();
            var storedBefore = await CountStoredAsync(http, ct);
            var gateway = new Gateway(http, patients, ledger, retryRate, duplicateRate, run);
            ScenarioResult? single = null;
            var memoryLines = new List<string?>(); // peak RSS per phase, after the phases' figures
            if (phases.Contains("single"))
            {
                Console.WriteLine("Phase single creates:");
                await using var memory = ResidentMemory.Sample(server);
                single = await LoadLoop.RunAsync($"single creates (If-None-Exist)", clients, warmup, duration, 1,
                    (rng, _, token) => gateway.PostOneAsync(rng, gateway.NextKey("s"), token), server.CpuTime, ct);
                lines.Add(single.TableRow);
                memoryLines.Add(memory?.Line("single creates"));
            }

            if (phases.Contains("batch"))
            {
                Console.WriteLine("Phase batches:");
                await using var memory = ResidentMemory.Sample(server);
                var batch = await LoadLoop.RunAsync($"batch of {batchSize} (ifNoneExist)", gateways, warmup, duration, batchSize,
                    (rng, _, token) => gateway.PostBatchAsync(rng, gateway.NextKey("b"), batchSize, token), server.CpuTime, ct);
                lines.Add(batch.TableRow);
                memoryLines.Add(memory?.Line("batches"));
                if (ceiling is { } c)
                {
                    lines.Add(string.Create(CultureInfo.InvariantCulture, $"batches: {batch.Throughput * batchSize:F0} readings/s = **{100 * batch.Throughput * batchSize / c:F0}%** of the ceiling (goal 80%)"));
                }
            }

            if (single is not null && ceiling is { } cs)
            {
                lines.Insert(lines.Count - (phases.Contains("batch") ? 2 : 0), string.Create(CultureInfo.InvariantCulture,
                    $"single creates: {single.Throughput:F0} requests/s = **{100 * single.Throughput / cs:F0}%** of the ceiling (goal 50%)"));
            }

            if (phases.Contains("half"))
            {
                var target = args.Has("interval")
                    ? chairs / args.Double("interval", 1)
                    : 0.5 * (single?.Throughput ?? throw new ArgumentException("The half phase needs the single phase (or --interval)."));
                var interval = chairs / target;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Phase chairs: {chairs} chairs, a vital every {interval:F3} s each = {target:F0} readings/s, open loop:"));
                var open = await OpenLoopAsync(gateway, chairs, interval, warmup, duration, server, ct);
                lines.Add(open.TableRow);
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"open loop at {target:F0} readings/s: p99 **{open.Latency.P99Ms:F1} ms** (goal ≤ 100 ms), latency from each reading's scheduled time"));
            }

            lines.AddRange(memoryLines.OfType<string>());
            var storedAfter = await CountStoredAsync(http, ct);
            var check = ledger.Check(storedAfter - storedBefore);
            lines.Add(check.Line);
            failed = !check.Ok;
        }

        DeleteQuietly(work);
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Gateway run {run} ({DateTimeOffset.Now:yyyy-MM-dd HH:mm zzz}, retry rate {retryRate}, duplicate rate {duplicateRate}):");
        sb.AppendLine(ScenarioResult.TableHeader);
        foreach (var line in lines)
        {
            sb.AppendLine(line.StartsWith('|') ? line : "- " + line);
        }

        Console.WriteLine();
        Console.Write(sb.ToString());
        if (args.String("results") is { } file)
        {
            File.AppendAllText(file, sb + Environment.NewLine);
        }

        return failed ? 2 : 0;
    }

    /// <summary>Every chair sends on its own schedule; a late answer does not delay the next reading (no coordinated omission).</summary>
    private static async Task<ScenarioResult> OpenLoopAsync(Gateway gateway, int chairs, double interval, TimeSpan warmup, TimeSpan duration, ServerHost server, CancellationToken ct)
    {
        await RunChairsAsync(gateway, chairs, interval, warmup, "warm", new ConcurrentBag<long>(), new ConcurrentQueue<string>(), ct);
        var latencies = new ConcurrentBag<long>();
        var errors = new ConcurrentQueue<string>();
        var cpu0 = server.CpuTime();
        var started = Stopwatch.GetTimestamp();
        var ok = await RunChairsAsync(gateway, chairs, interval, duration, "open", latencies, errors, ct);
        var elapsed = Stopwatch.GetElapsedTime(started);
        var cpu = server.CpuTime() - cpu0;
        return new ScenarioResult($"{chairs} chairs, open loop", chairs, elapsed.TotalSeconds, ok, errors.Count, LatencyStats.From(latencies.ToList()), 1,
            cpu0 < TimeSpan.Zero ? double.NaN : 100.0 * cpu / elapsed / Environment.ProcessorCount, double.NaN, double.NaN, errors.Distinct().Take(5).ToList());
    }

    private static async Task<long> RunChairsAsync(Gateway gateway, int chairs, double interval, TimeSpan duration, string tag,
        ConcurrentBag<long> latencies, ConcurrentQueue<string> errors, CancellationToken ct)
    {
        var t0 = Stopwatch.GetTimestamp();
        var end = t0 + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var ok = 0L;
        var inFlight = new ConcurrentBag<Task>();
        await Task.WhenAll(Enumerable.Range(0, chairs).Select(chair => Task.Run(async () =>
        {
            var rng = new Random(HashCode.Combine(chair, tag));
            for (var n = 0; !ct.IsCancellationRequested; n++)
            {
                var due = t0 + (long)(((n + (chair / (double)chairs)) * interval) * Stopwatch.Frequency);
                if (due >= end)
                {
                    break;
                }

                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, ct);
                }

                inFlight.Add(Task.Run(async () =>
                {
                    try
                    {
                        var outcome = await gateway.PostOneAsync(rng, $"{tag}-c{chair}-{n}", ct);
                        if (outcome.Ok)
                        {
                            latencies.Add(Stopwatch.GetTimestamp() - due);
                            Interlocked.Increment(ref ok);
                        }
                        else
                        {
                            errors.Enqueue(outcome.Error ?? "error");
                        }
                    }
                    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
                    {
                        errors.Enqueue($"{ex.GetType().Name}: {ex.Message}");
                    }
                }, ct));
            }
        }, ct)));
        await Task.WhenAll(inFlight);
        return ok;
    }

    private static async Task<long> CountStoredAsync(FhirHttp http, CancellationToken ct)
    {
        using var response = await http.GetAsync($"Observation?identifier={Uri.EscapeDataString(Vitals.DeviceIdentifierSystem + "|")}&_summary=count", ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException(FhirHttp.Describe("count", null, response, text));
        }

        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.GetProperty("total").GetInt64();
    }

    private static void DeleteQuietly(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }

    /// <summary>What the gateways were told: for each reading, the resource id every answer named.</summary>
    private sealed class Ledger
    {
        private readonly ConcurrentDictionary<string, string> _ids = new(StringComparer.Ordinal);
        private long _conflicts;
        private long _inDoubt;
        private long _created;
        private long _matched;
        private readonly ConcurrentQueue<string> _samples = new();

        public void Acknowledged(string reading, string id, bool created)
        {
            if (created)
            {
                Interlocked.Increment(ref _created);
            }
            else
            {
                Interlocked.Increment(ref _matched);
            }

            var first = _ids.GetOrAdd(reading, id);
            if (first != id)
            {
                Interlocked.Increment(ref _conflicts);
                if (_samples.Count < 5)
                {
                    _samples.Enqueue($"{reading}: answered {first} and {id}");
                }
            }
        }

        /// <summary>Readings posted without an answer (error, timeout): each may or may not be stored.</summary>
        public void InDoubt(int readings = 1) => Interlocked.Add(ref _inDoubt, readings);

        public (bool Ok, string Line) Check(long stored)
        {
            var acknowledged = _ids.Count;
            var ok = _conflicts == 0 && stored >= acknowledged && stored <= acknowledged + _inDoubt;
            var line = string.Create(CultureInfo.InvariantCulture,
                $"count check: {acknowledged:N0} distinct readings acknowledged ({_created:N0} answers 201, {_matched:N0} answers 200 to retries and duplicates), {stored:N0} stored, {_inDoubt} readings posted without an answer (in doubt), {_conflicts} readings answered with two different ids: **{(ok ? "PASS, every acknowledged reading stored exactly once" : "FAIL")}**");
            return (ok, _samples.IsEmpty ? line : line + " — " + string.Join("; ", _samples));
        }
    }

    private sealed class Gateway(FhirHttp http, IReadOnlyList<string> patients, Ledger ledger, double retryRate, double duplicateRate, string run)
    {
        private static readonly DateTimeOffset Start = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

        private long _next;

        /// <summary>A reading key unique in this run (warm-up and measurement never reuse one: a reused key would be a retry).</summary>
        public string NextKey(string prefix) => prefix + Interlocked.Increment(ref _next).ToString(CultureInfo.InvariantCulture);

        /// <summary>One reading as a single create; sometimes posted twice at once (a race), sometimes re-posted after the answer (a retry).</summary>
        public async Task<Outcome> PostOneAsync(Random rng, string key, CancellationToken ct)
        {
            var reading = $"{run}-{key}";
            var body = Vitals.Observation(Kinds[rng.Next(Kinds.Length)], "Patient/" + patients[rng.Next(patients.Count)], Start.AddSeconds(rng.Next(0, 86_400)), reading, rng);
            var duplicate = rng.NextDouble() < duplicateRate;
            var retry = rng.NextDouble() < retryRate;
            var first = SendOneAsync(reading, body, ct);
            var outcome = duplicate ? Combine(await Task.WhenAll(first, SendOneAsync(reading, body, ct))) : await first;
            if (outcome.Ok && retry)
            {
                return await SendOneAsync(reading, body, ct);
            }

            return outcome;
        }

        /// <summary>A batch of readings; sometimes one reading twice in it, sometimes the whole batch re-posted.</summary>
        public async Task<Outcome> PostBatchAsync(Random rng, string key, int size, CancellationToken ct)
        {
            var readings = Enumerable.Range(0, size).Select(i => $"{run}-{key}-{i}").ToList();
            if (size > 1 && rng.NextDouble() < duplicateRate)
            {
                readings[^1] = readings[0];
            }

            var body = Batch(rng, readings);
            var outcome = await SendBatchAsync(readings, body, ct);
            if (outcome.Ok && rng.NextDouble() < retryRate)
            {
                outcome = await SendBatchAsync(readings, body, ct);
            }

            return outcome;
        }

        private static Outcome Combine(Outcome[] outcomes) => outcomes.Any(o => !o.Ok) ? outcomes.First(o => !o.Ok) : outcomes[0];

        private async Task<Outcome> SendOneAsync(string reading, byte[] body, CancellationToken ct)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "Observation") { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = FhirHttp.FhirJson;
            request.Headers.TryAddWithoutValidation("If-None-Exist", $"identifier={Vitals.DeviceIdentifierSystem}|{reading}");
            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, ct);
            }
            catch
            {
                ledger.InDoubt();
                throw;
            }

            using (response)
            {
                var text = await response.Content.ReadAsStringAsync(ct);
                if (response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK)
                {
                    using var doc = JsonDocument.Parse(text);
                    ledger.Acknowledged(reading, doc.RootElement.GetProperty("id").GetString()!, response.StatusCode == HttpStatusCode.Created);
                    return Outcome.Success;
                }

                ledger.InDoubt();
                return Outcome.Fail(FhirHttp.Describe("POST /fhir/Observation (If-None-Exist)", body, response, text));
            }
        }

        private async Task<Outcome> SendBatchAsync(List<string> readings, byte[] body, CancellationToken ct)
        {
            HttpResponseMessage response;
            try
            {
                response = await http.PostAsync("", body, ct);
            }
            catch
            {
                ledger.InDoubt(readings.Count);
                throw;
            }

            using (response)
            {
                var text = await response.Content.ReadAsStringAsync(ct);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    ledger.InDoubt(readings.Count);
                    return Outcome.Fail(FhirHttp.Describe("POST /fhir (batch)", null, response, text));
                }

                using var doc = JsonDocument.Parse(text);
                var entries = doc.RootElement.GetProperty("entry").EnumerateArray().ToList();
                string? error = null;
                for (var i = 0; i < readings.Count; i++)
                {
                    var status = entries[i].GetProperty("response").GetProperty("status").GetString() ?? "";
                    if (status.StartsWith("201", StringComparison.Ordinal) || status.StartsWith("200", StringComparison.Ordinal))
                    {
                        ledger.Acknowledged(readings[i], entries[i].GetProperty("resource").GetProperty("id").GetString()!, status.StartsWith("201", StringComparison.Ordinal));
                    }
                    else
                    {
                        ledger.InDoubt();
                        error ??= $"batch entry {i}: {status} {FhirHttp.Clip(entries[i].GetProperty("response").ToString(), 400)}";
                    }
                }

                return error is null ? Outcome.Success : Outcome.Fail(error);
            }
        }

        private byte[] Batch(Random rng, List<string> readings)
        {
            using var buffer = new MemoryStream(readings.Count * 1000);
            using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartObject();
                w.WriteString("resourceType", "Bundle");
                w.WriteString("type", "batch");
                w.WriteStartArray("entry");
                foreach (var reading in readings)
                {
                    w.WriteStartObject();
                    w.WritePropertyName("resource");
                    Vitals.WriteObservation(w, Kinds[rng.Next(Kinds.Length)], "Patient/" + patients[rng.Next(patients.Count)], Start.AddSeconds(rng.Next(0, 86_400)), reading, rng);
                    w.WriteStartObject("request");
                    w.WriteString("method", "POST");
                    w.WriteString("url", "Observation");
                    w.WriteString("ifNoneExist", $"identifier={Vitals.DeviceIdentifierSystem}|{reading}");
                    w.WriteEndObject();
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            return buffer.ToArray();
        }
    }
}
