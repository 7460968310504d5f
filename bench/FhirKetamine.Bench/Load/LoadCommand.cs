using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

using FhirKetamine.Bench.Cli;
using FhirKetamine.Bench.Prefill;

namespace FhirKetamine.Bench.Load;

/// <summary>
/// <c>load</c>: runs the create, read, search and transaction scenarios against a server this bench
/// starts (a temp SQLite file; for search a copy of the cached 1M-Observation database) or against
/// <c>--server-url</c>, and prints throughput and exact p50/p95/p99 latencies.
/// </summary>
internal static class LoadCommand
{
    private static readonly string[] AllScenarios = ["create", "read", "search", "transaction"];

    /// <summary>Scenarios run only when named (not part of <c>all</c>).</summary>
    private static readonly string[] ExtraScenarios = ["progress"];

    public static async Task<int> RunAsync(Args args, CancellationToken ct)
    {
        var scenarioArg = args.String("scenario", "all");
        var scenarios = scenarioArg == "all" ? AllScenarios : scenarioArg.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var unknown = scenarios.Except(AllScenarios).Except(ExtraScenarios).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"Unknown scenario(s): {string.Join(", ", unknown)}. Known: {string.Join(", ", AllScenarios.Concat(ExtraScenarios))}, all.");
        }

        var clients = Math.Clamp(args.Int("clients", 16), 1, 512);
        var duration = TimeSpan.FromSeconds(Math.Clamp(args.Double("duration", 30), 1, 600));
        var warmup = TimeSpan.FromSeconds(Math.Clamp(args.Double("warmup", 5), 0, 120));
        var serverUrl = args.String("server-url");
        var entries = Math.Clamp(args.Int("entries", 100), 2, 1000);
        var results = new List<ScenarioResult>();
        var readyTimes = new List<string>();

        var writeScenarios = scenarios.Where(s => s != "search").ToList();
        if (writeScenarios.Count > 0)
        {
            var work = Workspace.NewTempDir("load");
            await using (var server = await OpenServerAsync(args, serverUrl, () => Path.Combine(work, "fhir.db"), work, readyTimes, "empty database", ct))
            {
                using var http = new FhirHttp(server.FhirBase, clients);
                var patients = await CreatePatientsAsync(http, 100, ct);
                foreach (var scenario in writeScenarios)
                {
                    results.Add(await RunScenarioAsync(scenario, http, server, patients, clients, warmup, duration, ct, entries));
                }
            }

            DeleteQuietly(work);
        }

        if (scenarios.Contains("search"))
        {
            var work = Workspace.NewTempDir("search");
            Dataset? dataset = null;
            if (serverUrl is null)
            {
                var perPatient = args.Int("per-patient", 500);
                var patientsCount = args.Has("observations")
                    ? (int)Math.Ceiling(args.Int("observations", 1_000_000) / (double)perPatient)
                    : args.Int("patients", 2000);
                dataset = await PrefillCommand.EnsureAsync(patientsCount, perPatient, args, ct);
                Console.WriteLine($"Copying the cached {dataset.Observations:N0}-Observation database for this run ...");
            }

            await using (var server = await OpenServerAsync(args, serverUrl, () => dataset!.CopyTo(Workspace.CacheDir, work), work, readyTimes,
                dataset is null ? "given server" : $"{dataset.Observations:N0} Observations", ct))
            {
                using var http = new FhirHttp(server.FhirBase, clients);
                var patients = dataset?.PatientIds ?? await DiscoverPatientsAsync(http, ct);
                results.Add(await RunScenarioAsync("search", http, server, patients, clients, warmup, duration, ct));
            }

            DeleteQuietly(work);
        }

        Report(results, readyTimes, args.String("results"));
        return results.Any(r => r.Errors > 0) ? 2 : 0;
    }

    private static async Task<ServerHost> OpenServerAsync(Args args, string? serverUrl, Func<string> database, string work,
        List<string> readyTimes, string what, CancellationToken ct)
    {
        if (serverUrl is not null)
        {
            return await ServerHost.AttachAsync(new Uri(serverUrl.TrimEnd('/') + "/"), ct);
        }

        var dll = await Workspace.EnsureServerBuiltAsync(args.String("server-dll"), !args.Has("no-build"), ct);
        var server = await ServerHost.StartAsync(dll, database(), work, [], ct);
        var line = $"server ready in {server.ReadyTime!.Value.TotalMilliseconds:F0} ms (process start to first 200 from /health/ready; {what}); log {server.LogPath}";
        Console.WriteLine(line);
        readyTimes.Add(line);
        return server;
    }

    private static Task<ScenarioResult> RunScenarioAsync(string scenario, FhirHttp http, ServerHost server,
        IReadOnlyList<string> patients, int clients, TimeSpan warmup, TimeSpan duration, CancellationToken ct, int entries = 100)
    {
        Console.WriteLine($"Scenario {scenario}:");
        return scenario switch
        {
            "create" => CreateScenarioAsync(http, server, patients, clients, warmup, duration, ct),
            "read" => ReadScenarioAsync(http, server, patients, clients, warmup, duration, ct),
            "search" => SearchScenarioAsync(http, server, patients, clients, warmup, duration, ct),
            "transaction" => TransactionScenarioAsync(http, server, clients, warmup, duration, entries, ct),
            "progress" => ProgressScenario.RunAsync(http, server, clients, warmup, duration, ct),
            _ => throw new ArgumentOutOfRangeException(nameof(scenario), scenario, null),
        };
    }

    private static Task<ScenarioResult> CreateScenarioAsync(FhirHttp http, ServerHost server, IReadOnlyList<string> patients,
        int clients, TimeSpan warmup, TimeSpan duration, CancellationToken ct)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        return LoadLoop.RunAsync("create", clients, warmup, duration, 1, async (rng, seq, token) =>
        {
            var body = HeartRate(patients, rng, $"load-{run}-{seq}");
            using var response = await http.PostAsync("Observation", body, token);
            return response.StatusCode == HttpStatusCode.Created && response.Headers.Location is not null
                ? Outcome.Success
                : Outcome.Fail(await FhirHttp.DescribeAsync("POST /fhir/Observation", body, response, token));
        }, server.CpuTime, ct);
    }

    private static async Task<ScenarioResult> ReadScenarioAsync(FhirHttp http, ServerHost server, IReadOnlyList<string> patients,
        int clients, TimeSpan warmup, TimeSpan duration, CancellationToken ct)
    {
        const int count = 1000;
        Console.WriteLine($"  creating {count} Observations to read ...");
        var ids = new string[count];
        var rngSetup = new Random(7);
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (i, token) =>
        {
            byte[] body;
            lock (rngSetup)
            {
                body = HeartRate(patients, rngSetup, $"read-{Guid.NewGuid():N}");
            }

            ids[i] = await http.CreateAsync("Observation", body, token);
        });

        return await LoadLoop.RunAsync("read", clients, warmup, duration, 1, async (rng, _, token) =>
        {
            var url = "Observation/" + ids[rng.Next(ids.Length)];
            using var response = await http.GetAsync(url, token);
            return response.StatusCode == HttpStatusCode.OK
                ? Outcome.Success
                : Outcome.Fail(await FhirHttp.DescribeAsync("GET /fhir/" + url, null, response, token));
        }, server.CpuTime, ct);
    }

    public static string SearchUrl(string patientId) =>
        $"Observation?patient=Patient/{Uri.EscapeDataString(patientId)}&code={Uri.EscapeDataString(Vitals.Loinc + "|" + Vitals.HeartRateCode)}&date=ge2026-01-01";

    private static async Task<ScenarioResult> SearchScenarioAsync(FhirHttp http, ServerHost server, IReadOnlyList<string> patients,
        int clients, TimeSpan warmup, TimeSpan duration, CancellationToken ct)
    {
        if (patients.Count == 0)
        {
            throw new InvalidOperationException("No patients to search for.");
        }

        // One probe first, so the figures never hide a search that matches nothing.
        var probe = SearchUrl(patients[0]);
        using (var response = await http.GetAsync(probe, ct))
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException(FhirHttp.Describe("GET /fhir/" + probe, null, response, text));
            }

            using var doc = JsonDocument.Parse(text);
            var entries = doc.RootElement.TryGetProperty("entry", out var e) ? e.GetArrayLength() : 0;
            var total = doc.RootElement.TryGetProperty("total", out var t) ? t.ToString() : "absent";
            Console.WriteLine($"  probe GET /fhir/{probe}: {entries} entries on the first page, total {total}, {text.Length:N0} bytes");
            if (entries == 0)
            {
                Console.WriteLine("  WARNING: the search matches nothing, so its figures measure an empty result.");
            }
        }

        return await LoadLoop.RunAsync("search", clients, warmup, duration, 1, async (rng, _, token) =>
        {
            var url = SearchUrl(patients[rng.Next(patients.Count)]);
            using var response = await http.GetAsync(url, token);
            return response.StatusCode == HttpStatusCode.OK
                ? Outcome.Success
                : Outcome.Fail(await FhirHttp.DescribeAsync("GET /fhir/" + url, null, response, token));
        }, server.CpuTime, ct);
    }

    private static Task<ScenarioResult> TransactionScenarioAsync(FhirHttp http, ServerHost server,
        int clients, TimeSpan warmup, TimeSpan duration, int entries, CancellationToken ct)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        return LoadLoop.RunAsync(entries == 100 ? "transaction" : $"transaction ({entries} entries)", clients, warmup, duration, entries, async (rng, seq, token) =>
        {
            var body = TransactionBundle(rng, $"tx-{run}-{seq}", entries);
            using var response = await http.PostAsync("", body, token);
            return response.StatusCode == HttpStatusCode.OK
                ? Outcome.Success
                : Outcome.Fail(await FhirHttp.DescribeAsync($"POST /fhir (transaction, {entries} entries)", body, response, token));
        }, server.CpuTime, ct);
    }

    /// <summary>A transaction of <paramref name="entries"/> (default 100): a new Patient and its vitals, all POST, all <c>urn:uuid:</c>.</summary>
    public static byte[] TransactionBundle(Random rng, string prefix, int entries = 100)
    {
        var patientUuid = Guid.NewGuid();
        var patientRef = "urn:uuid:" + patientUuid.ToString("D");
        var writers = new List<Action<Utf8JsonWriter>>(100)
        {
            w => Vitals.WritePatient(w, "Tx" + prefix, "Pat", new DateOnly(1980, 5, 17)),
        };
        var types = new List<string>(100) { "Patient" };
        var uuids = new List<Guid>(100) { patientUuid };
        var t0 = new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < entries - 1; i++)
        {
            var at = t0.AddMinutes(i);
            var kind = (VitalKind)(i % 4);
            var reading = $"{prefix}-{i}";
            writers.Add(w => Vitals.WriteObservation(w, kind, patientRef, at, reading, rng));
            types.Add("Observation");
            uuids.Add(Guid.NewGuid());
        }

        return Vitals.Transaction(writers, types, uuids);
    }

    private static byte[] HeartRate(IReadOnlyList<string> patients, Random rng, string readingId) =>
        Vitals.Observation(VitalKind.HeartRate, "Patient/" + patients[rng.Next(patients.Count)],
            new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(rng.Next(0, 365 * 24 * 3600)), readingId, rng);

    private static async Task<IReadOnlyList<string>> CreatePatientsAsync(FhirHttp http, int count, CancellationToken ct)
    {
        var ids = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            ids.Add(await http.CreateAsync("Patient", Vitals.Patient($"Load{i:D4}", "Pat", new DateOnly(1970, 1, 1).AddDays(i * 97)), ct));
        }

        return ids;
    }

    /// <summary>For <c>--server-url</c>: the first page of Patients stands in for the cached id list.</summary>
    private static async Task<IReadOnlyList<string>> DiscoverPatientsAsync(FhirHttp http, CancellationToken ct)
    {
        using var response = await http.GetAsync("Patient?_count=1000", ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException(FhirHttp.Describe("GET /fhir/Patient?_count=1000", null, response, text));
        }

        using var doc = JsonDocument.Parse(text);
        var ids = doc.RootElement.TryGetProperty("entry", out var entries)
            ? entries.EnumerateArray().Select(e => e.GetProperty("resource").GetProperty("id").GetString()!).ToList()
            : [];
        Console.WriteLine($"  found {ids.Count} patients on the server");
        return ids;
    }

    private static void Report(List<ScenarioResult> results, List<string> readyTimes, string? resultsFile)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Results ({DateTimeOffset.Now:yyyy-MM-dd HH:mm zzz}, {Environment.ProcessorCount} cores, client and server on the same machine; CPU columns are shares of all cores, machine CPU includes everything else running):");
        sb.AppendLine(ScenarioResult.TableHeader);
        foreach (var r in results)
        {
            sb.AppendLine(r.TableRow);
        }

        foreach (var line in readyTimes)
        {
            sb.AppendLine("- " + line);
        }

        foreach (var r in results.Where(r => r.SampleErrors.Count > 0))
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"Errors in {r.Scenario} ({r.Errors}), first distinct ones:");
            foreach (var e in r.SampleErrors)
            {
                sb.AppendLine("  " + e);
            }
        }

        Console.WriteLine();
        Console.Write(sb.ToString());
        if (resultsFile is not null)
        {
            File.AppendAllText(resultsFile, sb + Environment.NewLine);
        }
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
}