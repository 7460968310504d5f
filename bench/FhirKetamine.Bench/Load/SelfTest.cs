using System.Diagnostics;

using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Search;

using Hl7.Fhir.Model;

namespace FhirKetamine.Bench.Load;

/// <summary>
/// <c>selftest</c>: checks the client's own pieces without a server: every generated resource and the
/// transaction parse under the server's strict parser, Location parsing, and the percentile maths.
/// </summary>
internal static class SelfTest
{
    public static int Run()
    {
        var failures = 0;
        void Check(bool ok, string what)
        {
            Console.WriteLine($"  {(ok ? "ok  " : "FAIL")} {what}");
            failures += ok ? 0 : 1;
        }

        var parser = new FhirSerialization();
        var indexer = new SearchIndexer(new SearchParameterRegistry(), new UcumCanonicalizer());
        var rng = new Random(3);
        var at = new DateTimeOffset(2026, 5, 4, 3, 2, 1, TimeSpan.Zero);
        foreach (var kind in Enum.GetValues<VitalKind>())
        {
            var obs = (Observation)parser.ParseJson(Vitals.Observation(kind, "Patient/p1", at, "r1", rng));
            var entries = indexer.Extract(obs);
            Check(obs.Category[0].Coding[0].Code == "vital-signs" && obs.Subject?.Reference == "Patient/p1"
                && obs.Effective is FhirDateTime && obs.Identifier.Count == 1 && entries.All.Any(),
                $"{kind} parses strictly and indexes ({entries.All.Count()} index rows)");
        }

        var hr = (Observation)parser.ParseJson(Vitals.Observation(VitalKind.HeartRate, "Patient/p1", at, "r2", rng));
        Check(hr.Code.Coding[0].Code == "8867-4" && hr.Value is Quantity { Code: "/min", System: Vitals.Ucum },
            "heart rate is LOINC 8867-4 in UCUM /min");
        Check(parser.ParseJson(Vitals.Patient("Doe", "Jane", new DateOnly(1980, 1, 2))) is Patient, "Patient parses strictly");

        var bundle = (Bundle)parser.ParseJson(LoadCommand.TransactionBundle(rng, "self"));
        Check(bundle.Type == Bundle.BundleType.Transaction && bundle.Entry.Count == 100
            && bundle.Entry.All(e => e.FullUrl?.StartsWith("urn:uuid:", StringComparison.Ordinal) == true && e.Request?.Method == Bundle.HTTPVerb.POST)
            && bundle.Entry.Skip(1).All(e => e.Resource is Observation { Subject.Reference: var r } && r == bundle.Entry[0].FullUrl),
            "transaction: 100 POST entries, urn:uuid fullUrls, vitals reference the bundled Patient");

        Check(FhirHttp.IdFromLocation(new Uri("http://127.0.0.1:1/fhir/Observation/abc/_history/1")) == "abc", "Location with _history");
        Check(FhirHttp.IdFromLocation(new Uri("Observation/xyz/_history/3", UriKind.Relative)) == "xyz", "relative Location");
        Check(FhirHttp.IdFromLocation(new Uri("http://127.0.0.1:1/fhir/Patient/q")) == "q", "Location without _history");
        Check(LoadCommand.SearchUrl("p1") == "Observation?patient=Patient/p1&code=http%3A%2F%2Floinc.org%7C8867-4&date=ge2026-01-01", "search URL");

        var ticks = Enumerable.Range(1, 100).Select(i => (long)i).ToArray();
        Check(LatencyStats.Percentile(ticks, 0.50) == 50 && LatencyStats.Percentile(ticks, 0.95) == 95
            && LatencyStats.Percentile(ticks, 0.99) == 99 && LatencyStats.Percentile([7], 0.99) == 7, "nearest-rank percentiles");
        var ms = Stopwatch.Frequency / 1000;
        var stats = LatencyStats.From([.. Enumerable.Range(1, 1000).Select(i => i * ms)]);
        Check(Math.Abs(stats.P95Ms - 950) < 0.01 && Math.Abs(stats.MaxMs - 1000) < 0.01, "LatencyStats in ms");
        Check(!FhirHttp.IsLoopback(new Uri("http://10.0.0.1/fhir")) && FhirHttp.IsLoopback(new Uri("http://127.0.0.2:5/fhir"))
            && FhirHttp.IsLoopback(new Uri("http://[::1]:5/fhir")), "loopback guard");

        Console.WriteLine(failures == 0 ? "selftest: all passed" : $"selftest: {failures} failed");
        return failures == 0 ? 0 : 1;
    }
}