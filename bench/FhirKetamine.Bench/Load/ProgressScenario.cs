using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FhirKetamine.Bench.Load;

/// <summary>
/// <c>progress</c>: <c>GET Patient/journey-patient/$ketamine-progress</c> for a patient with 12 infusion sessions and
/// 5,000 vitals. The data is the IG's journey (examples/journey: 7 sessions) with sessions 8–12 cloned from the
/// booster (session 7) every 4 weeks, and bedside-gateway heart-rate and SpO2 readings spread over the 12
/// session windows until the patient has 5,000 vital-sign Observations. A probe checks the answer first.
/// </summary>
internal static class ProgressScenario
{
    public const string PatientId = "journey-patient";
    private const int Sessions = 12;
    private const int TotalVitals = 5000;

    public static async Task<ScenarioResult> RunAsync(FhirHttp http, ServerHost server, int clients, TimeSpan warmup, TimeSpan duration, CancellationToken ct)
    {
        await SeedAsync(http, ct);
        var url = $"Patient/{PatientId}/$ketamine-progress";
        using (var response = await http.GetAsync(url, ct))
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException(FhirHttp.Describe("GET /fhir/" + url, null, response, text));
            }

            using var doc = JsonDocument.Parse(text);
            var parameters = doc.RootElement.GetProperty("parameter").EnumerateArray().ToList();
            var sessions = parameters.Where(p => p.GetProperty("name").GetString() == "session").ToList();
            var readings = sessions.Sum(s => s.GetProperty("part").EnumerateArray()
                .Single(p => p.GetProperty("name").GetString() == "vitals").GetProperty("part").EnumerateArray()
                .Single(p => p.GetProperty("name").GetString() == "readings").GetProperty("valueInteger").GetInt32());
            Console.WriteLine($"  probe GET /fhir/{url}: {sessions.Count} sessions, {readings:N0} BP/HR/SpO2 readings summarised, {text.Length:N0} bytes");
            if (sessions.Count != Sessions)
            {
                throw new InvalidOperationException($"Expected {Sessions} sessions in the probe, got {sessions.Count}.");
            }
        }

        return await LoadLoop.RunAsync("progress", clients, warmup, duration, 1, async (_, _, token) =>
        {
            using var response = await http.GetAsync(url, token);
            return response.StatusCode == HttpStatusCode.OK
                ? Outcome.Success
                : Outcome.Fail(await FhirHttp.DescribeAsync("GET /fhir/" + url, null, response, token));
        }, server.CpuTime, ct);
    }

    private static async Task SeedAsync(FhirHttp http, CancellationToken ct)
    {
        var folder = Path.Combine(Workspace.RepoRoot, "examples", "journey");
        var files = Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal).ToList();
        var resources = files.Select(File.ReadAllText).ToList();

        // Sessions 8..12: the booster's resources (…-s7) again, 4 weeks apart.
        var booster = files.Where(f => Path.GetFileNameWithoutExtension(f).EndsWith("-s7", StringComparison.Ordinal)).Select(File.ReadAllText).ToList();
        var boosterDay = new DateOnly(2025, 5, 16);
        for (var session = 8; session <= Sessions; session++)
        {
            var day = boosterDay.AddDays(28 * (session - 7)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            foreach (var text in booster)
            {
                var clone = text.Replace("-s7\"", $"-s{session}\"", StringComparison.Ordinal).Replace("2025-05-16", day, StringComparison.Ordinal);
                var node = JsonNode.Parse(clone)!;
                if (node["resourceType"]!.GetValue<string>() == "Procedure")
                {
                    node["extension"]![0]!["valuePositiveInt"] = session;
                }

                resources.Add(node.ToJsonString());
            }
        }

        Console.WriteLine($"  storing the journey with {Sessions} sessions ({resources.Count} resources) ...");
        await PostAsync(http, Transaction(resources.Select(r => JsonNode.Parse(r)!).ToList()), ct);

        // Gateway readings until the patient has TotalVitals vital-sign Observations (none on a second run against
        // the same database: the readings are creates, and the figure is for 5,000 vitals).
        int readings;
        using (var count = await http.GetAsync($"Observation?patient={PatientId}&category=vital-signs&_summary=count", ct))
        {
            var text = await count.Content.ReadAsStringAsync(ct);
            if (count.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException(FhirHttp.Describe("GET /fhir/Observation?…&_summary=count", null, count, text));
            }

            using var doc = JsonDocument.Parse(text);
            var existing = doc.RootElement.GetProperty("total").GetInt32();
            readings = Math.Max(0, TotalVitals - existing);
            Console.WriteLine($"  posting {readings:N0} heart-rate and SpO2 readings (the patient has {existing:N0} vital signs) ...");
            if (readings == 0)
            {
                return;
            }
        }

        var rng = new Random(11);
        var batch = new List<Action<Utf8JsonWriter>>();
        var perSession = (int)Math.Ceiling(readings / (double)Sessions);
        for (var i = 0; i < readings; i++)
        {
            var session = i / perSession + 1;
            var day = session <= 6
                ? new DateOnly(2025, 4, 7).AddDays(new[] { 0, 2, 4, 7, 9, 11 }[session - 1])
                : boosterDay.AddDays(28 * (session - 7));
            var start = new DateTimeOffset(day.Year, day.Month, day.Day, 9, 0, 0, TimeSpan.FromHours(-4));
            var at = start.AddSeconds(9000.0 * (i % perSession) / perSession);
            var kind = i % 2 == 0 ? VitalKind.HeartRate : VitalKind.OxygenSaturation;
            var reading = $"progress-{i}";
            batch.Add(w => Vitals.WriteObservation(w, kind, $"Patient/{PatientId}", at, reading, rng));
            if (batch.Count == 1000 || i == readings - 1)
            {
                await PostAsync(http, Vitals.Transaction(batch, Enumerable.Repeat("Observation", batch.Count).ToList(), batch.Select(_ => Guid.NewGuid()).ToList()), ct);
                batch.Clear();
            }
        }
    }

    private static byte[] Transaction(List<JsonNode> resources)
    {
        var entries = new JsonArray();
        foreach (var resource in resources)
        {
            entries.Add(new JsonObject
            {
                ["resource"] = resource,
                ["request"] = new JsonObject { ["method"] = "PUT", ["url"] = $"{resource["resourceType"]}/{resource["id"]}" },
            });
        }

        return Encoding.UTF8.GetBytes(new JsonObject { ["resourceType"] = "Bundle", ["type"] = "transaction", ["entry"] = entries }.ToJsonString());
    }

    private static async Task PostAsync(FhirHttp http, byte[] bundle, CancellationToken ct)
    {
        using var response = await http.PostAsync(string.Empty, bundle, ct);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException(await FhirHttp.DescribeAsync("POST /fhir (seed transaction)", null, response, ct));
        }
    }
}