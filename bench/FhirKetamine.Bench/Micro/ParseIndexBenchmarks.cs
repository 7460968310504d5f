using BenchmarkDotNet.Attributes;

using FhirKetamine.Bench.Load;
using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Search;

using Hl7.Fhir.Model;

namespace FhirKetamine.Bench.Micro;

/// <summary>The per-write CPU costs that the load figures are made of: strict parse, index extraction, serialise.</summary>
[MemoryDiagnoser]
[ShortRunJob]
public class ParseIndexBenchmarks
{
    private readonly FhirSerialization _serialization = new();
    private readonly SearchIndexer _indexer = new(new SearchParameterRegistry(), new UcumCanonicalizer());
    private byte[] _heartRate = [];
    private byte[] _bloodPressure = [];
    private Resource _parsed = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        var at = new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);
        _heartRate = Vitals.Observation(VitalKind.HeartRate, "Patient/p1", at, "micro-1", rng);
        _bloodPressure = Vitals.Observation(VitalKind.BloodPressure, "Patient/p1", at, "micro-2", rng);
        _parsed = _serialization.ParseJson(_heartRate);
    }

    [Benchmark]
    public Resource ParseHeartRate() => _serialization.ParseJson(_heartRate);

    [Benchmark]
    public Resource ParseBloodPressure() => _serialization.ParseJson(_bloodPressure);

    [Benchmark]
    public int IndexHeartRate() => _indexer.Extract(_parsed).All.Count();

    [Benchmark]
    public int ParseAndIndexHeartRate() => _indexer.Extract(_serialization.ParseJson(_heartRate)).All.Count();
}