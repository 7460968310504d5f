using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

using FhirKetamine.Bench.Cli;
using FhirKetamine.Bench.Load;
using Microsoft.Data.Sqlite;

namespace FhirKetamine.Bench.Prefill;

/// <summary>
/// <c>dataset</c>: builds the issue-7 search database (default 1,000,000 Observations, 10,000 patients) in minutes
/// instead of the hour a fill through HTTP takes. A seed (default 100 patients with their organizations, general
/// practitioners and 10,000 vitals; the first patient has 1,000 of them) is filled through HTTP transactions, so every
/// resource is parsed, validated and indexed by the server; then the server is stopped and the seed is copied
/// <c>--copies - 1</c> times inside SQLite: resources, versions and every search_* index row, with new keys
/// (<c>key + copy × stride</c>), ids suffixed <c>-cNNN</c> in rows and JSON, references to copied resources pointed at the
/// same copy, and marker names renamed. Finally the server is started on the result and a few searches check that
/// the copied index rows answer as the seed's do. The database lands in bench/cache/ with a JSON sidecar.
/// </summary>
internal static partial class DatasetCommand
{
    private static readonly DateTimeOffset YearStart = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset July = new(2026, 7, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly VitalKind[] Kinds = [VitalKind.HeartRate, VitalKind.BloodPressure, VitalKind.OxygenSaturation, VitalKind.RespiratoryRate];
    private static readonly string[] CopiedTypes = ["Observation", "Patient", "Organization", "Practitioner"];

    public static async Task<int> RunAsync(Args args, CancellationToken ct)
    {
        var dataset = await EnsureAsync(args, ct);
        Console.WriteLine($"Dataset {SearchDataset.DatabasePath(Workspace.CacheDir, dataset.Key)}: {dataset.Observations:N0} Observations, " +
            $"{dataset.Patients:N0} patients, {dataset.Organizations:N0} organizations, {dataset.Practitioners:N0} practitioners " +
            $"(seed through HTTP {dataset.SeedSeconds:F0} s, copies in SQLite {dataset.MultiplySeconds:F0} s).");
        return 0;
    }

    public static async Task<SearchDataset> EnsureAsync(Args args, CancellationToken ct)
    {
        var copies = args.Int("copies", 100);
        var seedPatients = args.Int("seed-patients", 100);
        var observations = (long)args.Int("observations", 1_000_000);
        var heavy = args.Int("heavy", 1);
        var heavyCount = args.Int("heavy-count", 1000);
        var organizations = args.Int("organizations", 10);
        var practitioners = args.Int("practitioners", 20);
        var perCopy = (int)(observations / copies);
        if (perCopy * (long)copies != observations || heavy >= seedPatients || heavy * heavyCount > perCopy || copies > 999)
        {
            throw new ArgumentException("--observations must divide by --copies (≤ 999), and the heavy patients must fit in one copy's share.");
        }

        var cacheDir = Workspace.CacheDir;
        var schemaKey = args.String("schema-key") ?? Workspace.SchemaKey();
        var key = SearchDataset.KeyFor(schemaKey, seedPatients, copies, observations, heavy, heavyCount);
        if (!args.Has("force") && SearchDataset.TryLoad(cacheDir, key) is { } cached)
        {
            Console.WriteLine($"Using cached {SearchDataset.DatabasePath(cacheDir, key)}");
            return cached;
        }

        var work = Path.Combine(cacheDir, key + ".partial");
        if (Directory.Exists(work))
        {
            Directory.Delete(work, recursive: true);
        }

        Directory.CreateDirectory(work);
        var dll = await Workspace.EnsureServerBuiltAsync(args.String("server-dll"), !args.Has("no-build"), ct);
        var db = Path.Combine(work, "fhir.db");

        // 1. The seed, through HTTP.
        Console.WriteLine($"Seed: {organizations} organizations, {practitioners} practitioners, {seedPatients} patients, {perCopy:N0} Observations " +
            $"({heavy} patient(s) with {heavyCount}), through transactions of 1,000 ...");
        var seedStarted = Stopwatch.GetTimestamp();
        SeedData seed;
        await using (var server = await ServerHost.StartAsync(dll, db, work, [], ct, TimeSpan.FromSeconds(600)))
        {
            Console.WriteLine($"  server ready in {server.ReadyTime!.Value.TotalSeconds:F1} s");
            using var http = new FhirHttp(server.FhirBase, 2);
            seed = await FillSeedAsync(http, organizations, practitioners, seedPatients, perCopy, heavy, heavyCount, ct);
        }

        var seedSeconds = Stopwatch.GetElapsedTime(seedStarted).TotalSeconds;
        Console.WriteLine($"  seed filled in {seedSeconds:F0} s");

        // 2. The copies, in SQLite.
        var multiplyStarted = Stopwatch.GetTimestamp();
        Multiply(db, copies, seed);
        var multiplySeconds = Stopwatch.GetElapsedTime(multiplyStarted).TotalSeconds;
        Console.WriteLine($"  {copies - 1} copies written in {multiplySeconds:F0} s");

        var dataset = new SearchDataset(key, schemaKey, copies, seedPatients * copies, observations, organizations * copies, practitioners * copies,
            seedSeconds, multiplySeconds, DateTimeOffset.UtcNow, seed.Patients, seed.Organizations, seed.Practitioners);

        // 3. Check through the server that copies answer searches like the seed does.
        await using (var server = await ServerHost.StartAsync(dll, db, work, [], ct, TimeSpan.FromSeconds(900)))
        {
            Console.WriteLine($"  server ready on the copied database in {server.ReadyTime!.Value.TotalSeconds:F1} s; checking counts ...");
            using var http = new FhirHttp(server.FhirBase, 1);
            await CheckAsync(http, dataset, ct);
        }

        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            var target = SearchDataset.DatabasePath(cacheDir, key) + suffix;
            File.Delete(target);
            if (File.Exists(db + suffix))
            {
                File.Move(db + suffix, target);
            }
        }

        dataset.Save(cacheDir);
        Directory.Delete(work, recursive: true);
        return dataset;
    }

    private sealed record SeedData(
        IReadOnlyList<SearchDataset.SeedPatient> Patients,
        IReadOnlyList<SearchDataset.SeedNamed> Organizations,
        IReadOnlyList<SearchDataset.SeedNamed> Practitioners);

    private static async Task<SeedData> FillSeedAsync(FhirHttp http, int organizations, int practitioners, int patients, int perCopy,
        int heavy, int heavyCount, CancellationToken ct)
    {
        var orgNames = Enumerable.Range(0, organizations).Select(j => $"{SearchDataset.Marker}Org{j:D2} Clinic").ToList();
        var orgIds = await TransactionAsync(http, orgNames.Select(n => (Action<Utf8JsonWriter>)(w => Vitals.WriteOrganization(w, n))).ToList(), "Organization", ct);
        var docNames = Enumerable.Range(0, practitioners).Select(j => $"{SearchDataset.Marker}Doc{j:D2}").ToList();
        var docIds = await TransactionAsync(http, docNames.Select(n => (Action<Utf8JsonWriter>)(w => Vitals.WritePractitioner(w, n, "Dana"))).ToList(), "Practitioner", ct);

        var families = Enumerable.Range(0, patients).Select(i => $"{SearchDataset.Marker}Fam{i:D3}").ToList();
        var patientIds = new List<string>(patients);
        for (var first = 0; first < patients; first += 1000)
        {
            var writers = Enumerable.Range(first, Math.Min(1000, patients - first)).Select(i => (Action<Utf8JsonWriter>)(w =>
                Vitals.WritePatient(w, families[i], "Pat", new DateOnly(1950, 1, 1).AddDays(i * 97 % 20000),
                    "Organization/" + orgIds[i % organizations], "Practitioner/" + docIds[i % practitioners]))).ToList();
            patientIds.AddRange(await TransactionAsync(http, writers, "Patient", ct));
        }

        // Observations: the heavy patients get heavyCount each, the others share the rest evenly.
        var rest = perCopy - (heavy * heavyCount);
        var light = patients - heavy;
        var counts = Enumerable.Range(0, patients).Select(i => i < heavy ? heavyCount : (rest / light) + ((i - heavy) < rest % light ? 1 : 0)).ToArray();
        var items = new List<(int Patient, int Index)>(perCopy);
        for (var p = 0; p < patients; p++)
        {
            for (var i = 0; i < counts[p]; i++)
            {
                items.Add((p, i));
            }
        }

        var heartRates = new int[patients];
        var fromJuly = new int[patients];
        var bundles = (items.Count + 999) / 1000;
        var next = -1;
        var done = 0;
        var started = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                var b = Interlocked.Increment(ref next);
                if (b >= bundles)
                {
                    return;
                }

                var rng = new Random(b);
                var writers = new List<Action<Utf8JsonWriter>>(1000);
                for (var k = b * 1000; k < Math.Min(items.Count, (b + 1) * 1000); k++)
                {
                    var (p, i) = items[k];
                    var at = YearStart + (TimeSpan.FromDays(365) / counts[p] * i) + TimeSpan.FromMinutes(k % 37);
                    var kind = Kinds[i % Kinds.Length];
                    if (kind == VitalKind.HeartRate)
                    {
                        Interlocked.Increment(ref heartRates[p]);
                        if (at >= July)
                        {
                            Interlocked.Increment(ref fromJuly[p]);
                        }
                    }

                    var readingId = $"ds-{k}";
                    var subject = "Patient/" + patientIds[p];
                    writers.Add(w => Vitals.WriteObservation(w, kind, subject, at, readingId, rng));
                }

                await TransactionAsync(http, writers, "Observation", ct);
                var n = Interlocked.Add(ref done, writers.Count);
                if (b % 5 == 4)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  {n:N0}/{items.Count:N0} Observations, {n / Stopwatch.GetElapsedTime(started).TotalSeconds:F0}/s"));
                }
            }
        }, ct)).ToArray();
        await Task.WhenAll(workers);

        return new SeedData(
            Enumerable.Range(0, patients).Select(p => new SearchDataset.SeedPatient(patientIds[p], families[p], p % organizations, p % practitioners,
                counts[p], heartRates[p], fromJuly[p])).ToList(),
            orgIds.Select((id, j) => new SearchDataset.SeedNamed(id, orgNames[j])).ToList(),
            docIds.Select((id, j) => new SearchDataset.SeedNamed(id, docNames[j])).ToList());
    }

    private static Task<IReadOnlyList<string>> TransactionAsync(FhirHttp http, IReadOnlyList<Action<Utf8JsonWriter>> writers, string type, CancellationToken ct) =>
        http.TransactionAsync(Vitals.Transaction(writers, Enumerable.Repeat(type, writers.Count).ToList(),
            Enumerable.Range(0, writers.Count).Select(_ => Guid.NewGuid()).ToList()), ct);

    [GeneratedRegex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")]
    private static partial Regex GuidPattern();

    [GeneratedRegex("\"(ds-[0-9]+)\"")]
    private static partial Regex ReadingIdPattern();

    /// <summary>
    /// Copies every seed resource of <see cref="CopiedTypes"/> (current row, versions, index rows) copies - 1 times.
    /// Keys: new = old + copy × stride (stride = the largest key + 1), so index rows need no lookup. Text: a seed id
    /// (alone, or at the end of "Type/id") gets the copy's suffix, a marker name the copy's marker, a reading id
    /// ("ds-N") the suffix; the JSON gets the same treatment for every seed id, marker name and reading id in it.
    /// </summary>
    private static void Multiply(string db, int copies, SeedData seed)
    {
        var seedIds = new HashSet<string>(StringComparer.Ordinal);
        seedIds.UnionWith(seed.Patients.Select(p => p.Id));
        seedIds.UnionWith(seed.Organizations.Select(o => o.Id));
        seedIds.UnionWith(seed.Practitioners.Select(o => o.Id));

        using var conn = new SqliteConnection($"Data Source={db};Pooling=False");
        conn.Open();
        conn.CreateFunction("fk_text", (string? value, long copy) => FixText(value, (int)copy, seedIds), isDeterministic: true);
        conn.CreateFunction("fk_json", (string json, long copy) => FixJson(json, (int)copy, seedIds), isDeterministic: true);
        Exec(conn, "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA cache_size=-1000000; PRAGMA temp_store=MEMORY;");
        // Observations are copied too, and their ids are server-made GUIDs: add them to the set.
        using (var cmd = conn.CreateCommand())
        {
            cmd.CommandText = "SELECT LogicalId FROM resources WHERE Type = 'Observation'";
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                seedIds.Add(reader.GetString(0));
            }
        }

        var stride = Scalar(conn, "SELECT max(Key) FROM resources") + 1;
        var types = string.Join(", ", CopiedTypes.Select(t => $"'{t}'"));
        using var tx = conn.BeginTransaction();
        Exec(conn, "CREATE TEMP TABLE copies (c INTEGER PRIMARY KEY)");
        for (var c = 1; c < copies; c++)
        {
            Exec(conn, $"INSERT INTO copies VALUES ({c})");
        }

        Exec(conn, $"CREATE TEMP TABLE seed AS SELECT Key FROM resources WHERE Type IN ({types})");
        Exec(conn, "CREATE UNIQUE INDEX temp.seed_key ON seed (Key)");
        var seedRows = Scalar(conn, "SELECT count(*) FROM seed");
        Console.WriteLine($"  seed: {seedRows:N0} resources of {types}; stride {stride:N0}");

        var step = Stopwatch.GetTimestamp();
        // Copy by copy, so that every table's rows of one copy go in key order (B-tree appends) and progress shows.
        var tables = new List<string>();
        using (var cmd = conn.CreateCommand())
        {
            cmd.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'search\\_%' ESCAPE '\\' ORDER BY name";
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                tables.Add(reader.GetString(0));
            }
        }

        var indexInserts = tables.Select(t => IndexInsert(conn, t)).ToList();
        for (var c = 1; c < copies; c++)
        {
            Exec(conn, $"""
                INSERT INTO resources (Key, Type, LogicalId, VersionId, LastUpdated, IsDeleted)
                SELECT r.Key + {c} * {stride}, r.Type, r.LogicalId || '{SearchDataset.Suffix(c)}', r.VersionId, r.LastUpdated, r.IsDeleted
                FROM resources r JOIN seed s ON s.Key = r.Key ORDER BY r.Key
                """);
            Exec(conn, $"""
                INSERT INTO resource_versions (ResourceKey, Type, LogicalId, VersionId, LastUpdated, IsDeleted, Method, Json)
                SELECT v.ResourceKey + {c} * {stride}, v.Type, v.LogicalId || '{SearchDataset.Suffix(c)}', v.VersionId, v.LastUpdated, v.IsDeleted, v.Method, fk_json(v.Json, {c})
                FROM resource_versions v JOIN seed s ON s.Key = v.ResourceKey ORDER BY v.Sequence
                """);
            foreach (var insert in indexInserts)
            {
                Exec(conn, insert.Replace("@c", c.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
                    .Replace("@stride", stride.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
            }

            if (c % 10 == 0 || c == copies - 1)
            {
                Console.WriteLine($"  copy {c}/{copies - 1} written, {Stopwatch.GetElapsedTime(step).TotalSeconds:F0} s");
            }
        }

        tx.Commit();
        foreach (var t in new[] { "resources", "resource_versions" }.Concat(tables))
        {
            Console.WriteLine($"  {t}: {Scalar(conn, $"SELECT count(*) FROM {t}"):N0} rows");
        }

        Exec(conn, "PRAGMA wal_checkpoint(TRUNCATE)");
    }

    /// <summary>The INSERT … SELECT that copies one index table's seed rows (every column but the Id).</summary>
    private static string IndexInsert(SqliteConnection conn, string table)
    {
        var columns = new List<(string Name, string Type)>();
        using (var cmd = conn.CreateCommand())
        {
            cmd.CommandText = $"PRAGMA table_info({table})";
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                columns.Add((reader.GetString(1), reader.GetString(2)));
            }
        }

        var copied = columns.Where(c => c.Name != "Id").ToList();
        var select = copied.Select(c => c.Name switch
        {
            "ResourceKey" => "x.ResourceKey + @c * @stride",
            "ResourceType" or "ParamName" or "System" or "TargetType" or "QuantitySystem" => "x." + c.Name,
            _ when c.Type.Equals("TEXT", StringComparison.OrdinalIgnoreCase) => $"fk_text(x.{c.Name}, @c)",
            _ => "x." + c.Name,
        });
        return $"INSERT INTO {table} ({string.Join(", ", copied.Select(c => c.Name))}) SELECT {string.Join(", ", select)} " +
            $"FROM {table} x JOIN seed s ON s.Key = x.ResourceKey ORDER BY x.Id";
    }

    private static string? FixText(string? value, int copy, HashSet<string> seedIds)
    {
        if (string.IsNullOrEmpty(value))
        {
            return value;
        }

        if (value.StartsWith(SearchDataset.Marker, StringComparison.OrdinalIgnoreCase))
        {
            var marker = SearchDataset.MarkerOf(copy);
            return (char.IsLower(value[0]) ? marker.ToLowerInvariant() : marker) + value[SearchDataset.Marker.Length..];
        }

        var slash = value.LastIndexOf('/');
        var tail = slash >= 0 ? value[(slash + 1)..] : value;
        if (seedIds.Contains(tail) || (value.StartsWith("ds-", StringComparison.Ordinal) && ReadingIdPattern().IsMatch('"' + value + '"')))
        {
            return value + SearchDataset.Suffix(copy);
        }

        return value;
    }

    private static string FixJson(string json, int copy, HashSet<string> seedIds)
    {
        var suffix = SearchDataset.Suffix(copy);
        json = GuidPattern().Replace(json, m => seedIds.Contains(m.Value) ? m.Value + suffix : m.Value);
        json = ReadingIdPattern().Replace(json, m => $"\"{m.Groups[1].Value}{suffix}\"");
        return json.Replace("\"" + SearchDataset.Marker, "\"" + SearchDataset.MarkerOf(copy), StringComparison.Ordinal);
    }

    private static void Exec(SqliteConnection conn, string sql)
    {
        using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        cmd.CommandTimeout = 0;
        cmd.ExecuteNonQuery();
    }

    private static long Scalar(SqliteConnection conn, string sql)
    {
        using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        cmd.CommandTimeout = 0;
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>Searches on the seed (copy 0), a middle and the last copy must count what the generator wrote.</summary>
    private static async Task CheckAsync(FhirHttp http, SearchDataset d, CancellationToken ct)
    {
        var failures = 0;
        async Task Expect(string url, long expected)
        {
            var total = await TotalAsync(http, url, ct);
            var ok = total == expected;
            failures += ok ? 0 : 1;
            Console.WriteLine($"    {(ok ? "ok  " : "FAIL")} {url}: total {total}, expected {expected}");
        }

        await Expect("Observation?_summary=count", d.Observations);
        await Expect("Patient?_summary=count", d.Patients);
        foreach (var copy in new[] { 0, d.Copies / 2, d.Copies - 1 }.Distinct())
        {
            var heavy = d.SeedPatients[0];
            var light = d.SeedPatients[^1];
            var sfx = SearchDataset.Suffix(copy);
            await Expect($"Observation?subject=Patient/{heavy.Id}{sfx}&_summary=count", heavy.Observations);
            await Expect($"Observation?patient=Patient/{light.Id}{sfx}&code={Uri.EscapeDataString(Vitals.Loinc + "|" + Vitals.HeartRateCode)}&date=ge2026-07-01&_summary=count", light.HeartRatesFromJuly);
            await Expect($"Patient?name={SearchDataset.NameIn(light.Family, copy)}&_summary=count", 1);
            var org = d.SeedOrganizations[3 % d.SeedOrganizations.Count];
            var orgObservations = d.SeedPatients.Where(p => p.Organization == 3 % d.SeedOrganizations.Count).Sum(p => (long)p.Observations);
            await Expect($"Observation?subject:Patient.organization.name={Uri.EscapeDataString(SearchDataset.NameIn(org.Name, copy))}&_summary=count", orgObservations);
            var doc = d.SeedPractitioners[5 % d.SeedPractitioners.Count];
            var docObservations = d.SeedPatients.Where(p => p.Practitioner == 5 % d.SeedPractitioners.Count).Sum(p => (long)p.Observations);
            await Expect($"Observation?subject:Patient.general-practitioner.name={SearchDataset.NameIn(doc.Name, copy)}&_summary=count", docObservations);
            await Expect($"Observation?identifier=ds-0{sfx}&_summary=count", 1);
        }

        if (failures > 0)
        {
            throw new InvalidOperationException($"{failures} count check(s) failed: the copied index rows do not answer like the seed's.");
        }
    }

    public static async Task<long> TotalAsync(FhirHttp http, string url, CancellationToken ct)
    {
        using var response = await http.GetAsync(url, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException(FhirHttp.Describe("GET /fhir/" + url, null, response, text));
        }

        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.TryGetProperty("total", out var t) ? t.GetInt64() : -1;
    }
}
