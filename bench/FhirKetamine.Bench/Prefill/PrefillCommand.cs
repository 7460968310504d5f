using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

using FhirKetamine.Bench.Cli;
using FhirKetamine.Bench.Load;

namespace FhirKetamine.Bench.Prefill;

/// <summary>
/// <c>prefill</c>: fills a fresh server through HTTP transaction Bundles (so every write is parsed,
/// validated and indexed as in production) and caches the resulting database under bench/cache/.
/// Patients first, then each patient's vitals spread over 2026 and over HR, BP, SpO2 and RR.
/// </summary>
internal static class PrefillCommand
{
    private static readonly DateTimeOffset YearStart = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly VitalKind[] Kinds = [VitalKind.HeartRate, VitalKind.BloodPressure, VitalKind.OxygenSaturation, VitalKind.RespiratoryRate];

    public static async Task<int> RunAsync(Args args, CancellationToken ct)
    {
        var perPatient = args.Int("per-patient", 500);
        var patients = args.Has("observations")
            ? (int)Math.Ceiling(args.Int("observations", 1_000_000) / (double)perPatient)
            : args.Int("patients", 2000);
        var dataset = await EnsureAsync(patients, perPatient, args, ct);
        Console.WriteLine($"Dataset {dataset.Key}: {dataset.Observations:N0} Observations for {dataset.Patients:N0} patients, " +
            $"filled in {dataset.FillSeconds:F0} s ({dataset.Observations / dataset.FillSeconds:F0} Observations/s).");
        return 0;
    }

    public static async Task<Dataset> EnsureAsync(int patients, int perPatient, Args args, CancellationToken ct)
    {
        var cacheDir = Workspace.CacheDir;
        var schemaKey = args.String("schema-key") ?? Workspace.SchemaKey();
        var key = Dataset.KeyFor(schemaKey, patients, perPatient);
        if (!args.Has("force") && Dataset.TryLoad(cacheDir, key) is { } cached)
        {
            Console.WriteLine($"Using cached {Dataset.DatabasePath(cacheDir, key)}");
            return cached;
        }

        var bundleSize = args.Int("bundle", 1000);
        var concurrency = args.Int("concurrency", 2);
        var work = Path.Combine(cacheDir, key + ".partial");
        if (Directory.Exists(work))
        {
            Directory.Delete(work, recursive: true);
        }

        Directory.CreateDirectory(work);
        var dll = await Workspace.EnsureServerBuiltAsync(args.String("server-dll"), !args.Has("no-build"), ct);
        var db = Path.Combine(work, "fhir.db");
        Console.WriteLine($"Prefill {key}: {patients:N0} patients x {perPatient} Observations, transaction Bundles of {bundleSize}, {concurrency} in flight.");

        var started = Stopwatch.GetTimestamp();
        IReadOnlyList<string> patientIds;
        await using (var server = await ServerHost.StartAsync(dll, db, work, [], ct))
        {
            Console.WriteLine($"  server ready in {server.ReadyTime!.Value.TotalMilliseconds:F0} ms at {server.Origin}");
            using var http = new FhirHttp(server.FhirBase, concurrency);
            patientIds = await CreatePatientsAsync(http, patients, bundleSize, ct);
            Console.WriteLine($"  {patientIds.Count:N0} patients created in {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s");
            await FillObservationsAsync(http, patientIds, perPatient, bundleSize, concurrency, ct);
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            var target = Dataset.DatabasePath(cacheDir, key) + suffix;
            File.Delete(target);
            if (File.Exists(db + suffix))
            {
                File.Move(db + suffix, target);
            }
        }

        var dataset = new Dataset(key, schemaKey, patients, perPatient, (long)patients * perPatient, elapsed.TotalSeconds, DateTimeOffset.UtcNow, patientIds);
        dataset.Save(cacheDir);
        Directory.Delete(work, recursive: true);
        return dataset;
    }

    private static async Task<IReadOnlyList<string>> CreatePatientsAsync(FhirHttp http, int count, int bundleSize, CancellationToken ct)
    {
        var ids = new List<string>(count);
        for (var first = 0; first < count; first += bundleSize)
        {
            var n = Math.Min(bundleSize, count - first);
            var writers = new List<Action<Utf8JsonWriter>>(n);
            for (var i = first; i < first + n; i++)
            {
                var index = i;
                writers.Add(w => Vitals.WritePatient(w, $"Bench{index:D6}", "Pat", new DateOnly(1950, 1, 1).AddDays(index * 7 % 20000)));
            }

            var body = Vitals.Transaction(writers, Enumerable.Repeat("Patient", n).ToList(), Enumerable.Range(0, n).Select(_ => Guid.NewGuid()).ToList());
            ids.AddRange(await http.TransactionAsync(body, ct));
        }

        return ids;
    }

    private static async Task FillObservationsAsync(FhirHttp http, IReadOnlyList<string> patientIds, int perPatient, int bundleSize, int concurrency, CancellationToken ct)
    {
        var total = (long)patientIds.Count * perPatient;
        var bundles = (int)((total + bundleSize - 1) / bundleSize);
        var next = -1;
        var done = 0L;
        var started = Stopwatch.GetTimestamp();
        var step = TimeSpan.FromDays(365) / perPatient;

        using var progressCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var progress = Task.Run(async () =>
        {
            while (!progressCts.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(15), progressCts.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                var n = Interlocked.Read(ref done);
                var secs = Stopwatch.GetElapsedTime(started).TotalSeconds;
                var rate = n / secs;
                var eta = rate > 0 ? TimeSpan.FromSeconds((total - n) / rate) : TimeSpan.Zero;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {n:N0}/{total:N0} Observations, {secs:F0} s, {rate:F0}/s, ETA {eta:hh\\:mm\\:ss}"));
            }
        }, CancellationToken.None);

        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                var b = Interlocked.Increment(ref next);
                if (b >= bundles)
                {
                    return;
                }

                var firstItem = (long)b * bundleSize;
                var n = (int)Math.Min(bundleSize, total - firstItem);
                var rng = new Random(b);
                var writers = new List<Action<Utf8JsonWriter>>(n);
                for (var k = 0; k < n; k++)
                {
                    var item = firstItem + k;
                    var patient = patientIds[(int)(item / perPatient)];
                    var i = (int)(item % perPatient);
                    var at = YearStart + (step * i) + TimeSpan.FromMinutes(item % 37);
                    var kind = Kinds[i % Kinds.Length];
                    var readingId = $"prefill-{item}";
                    writers.Add(w => Vitals.WriteObservation(w, kind, "Patient/" + patient, at, readingId, rng));
                }

                var body = Vitals.Transaction(writers, Enumerable.Repeat("Observation", n).ToList(), Enumerable.Range(0, n).Select(_ => Guid.NewGuid()).ToList());
                await http.TransactionAsync(body, ct);
                Interlocked.Add(ref done, n);
            }
        }, ct)).ToArray();

        try
        {
            await Task.WhenAll(workers);
        }
        finally
        {
            await progressCts.CancelAsync();
            await progress;
        }

        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        Console.WriteLine($"  {total:N0} Observations in {elapsed:F0} s: {total / elapsed:F0} Observations/s through transactions of {bundleSize}.");
    }
}