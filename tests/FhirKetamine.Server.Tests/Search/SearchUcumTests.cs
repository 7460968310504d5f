// Firely's model is nullable-annotated throughout; in these tests a missing element is a failed assertion
// (a NullReferenceException names it), not something to guard against.
#nullable disable warnings

using FhirKetamine.Core.Storage;
using Hl7.Fhir.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static FhirKetamine.Server.Tests.Search.SearchBundles;

namespace FhirKetamine.Server.Tests.Search;

/// <summary>
/// Quantity search across commensurable UCUM units (R4 search.html#quantity): a UCUM system and code compare in base
/// units, with the search value's precision converted too; other systems, <c>||code</c> and codes that do not convert
/// match in the recorded unit, as before.
/// </summary>
public sealed class SearchUcumTests(FhirServerFactory factory) : IClassFixture<FhirServerFactory>
{
    private const string Ucum = "http://unitsofmeasure.org";
    private const string OtherUnits = "http://example.org/other-units";

    private readonly HttpClient client = factory.CreateFhirClient();

    private static Observation Measured(string patient, decimal value, string code, string system = Ucum) => new()
    {
        Status = ObservationStatus.Final,
        Code = new CodeableConcept("http://loinc.org", "3141-9", "Body weight Measured"),
        Subject = new ResourceReference($"Patient/{patient}"),
        Effective = new FhirDateTime("2026-03-01T10:00:00Z"),
        Value = new Quantity { Value = value, Unit = code, System = system, Code = code },
    };

    private async Task<string> NewPatientAsync() => (await client.CreateAsync(Fhir.Patient())).Id;

    /// <summary>Creates one Observation per (value, code) for a new patient; returns the patient and the ids in order.</summary>
    private async Task<(string Patient, string[] Ids)> ObservationsAsync(params (decimal Value, string Code, string System)[] values)
    {
        var patient = await NewPatientAsync();
        var ids = new List<string>();
        foreach (var (value, code, system) in values)
        {
            ids.Add((await client.CreateAsync(Measured(patient, value, code, system))).Id);
        }

        return (patient, ids.ToArray());
    }

    private async Task<List<string>> MatchesAsync(string patient, string quantity) =>
        (await client.GetBundleAsync($"Observation?patient={patient}&value-quantity={Q(quantity)}")).MatchIds();

    private static IEnumerable<string> Pick(string[] ids, int[] indexes) => indexes.Select(i => ids[i]).Order();

    [Theory]
    [InlineData("gt5|http://unitsofmeasure.org|kg", new[] { 0, 1 })]
    [InlineData("ge5500|http://unitsofmeasure.org|g", new[] { 0, 1 })]
    [InlineData("lt5000|http://unitsofmeasure.org|g", new[] { 2 })]
    [InlineData("le4|http://unitsofmeasure.org|kg", new[] { 2 })]
    [InlineData("5.5|http://unitsofmeasure.org|kg", new[] { 0 })] // [5.45, 5.55) kg holds 5500 g
    [InlineData("eq6000|http://unitsofmeasure.org|g", new[] { 1 })]
    [InlineData("5|http://unitsofmeasure.org|kg", new[] { 3 })] // [4.5, 5.5) kg: 5500 g is the excluded upper bound
    [InlineData("ne5|http://unitsofmeasure.org|kg", new[] { 0, 1, 2 })]
    [InlineData("gt5000|http://unitsofmeasure.org|mg", new[] { 0, 1, 2, 3 })]
    public async Task Grams_and_kilograms_compare_in_base_units(string quantity, int[] expected)
    {
        var (patient, ids) = await ObservationsAsync((5500, "g", Ucum), (6, "kg", Ucum), (4, "kg", Ucum), (5, "kg", Ucum));

        Assert.Equal(Pick(ids, expected), (await MatchesAsync(patient, quantity)).Order());
    }

    [Theory]
    [InlineData("120|http://unitsofmeasure.org|mm[Hg]", new[] { 0, 1 })] // 16 kPa is 120.0095 mm[Hg]
    [InlineData("16|http://unitsofmeasure.org|kPa", new[] { 0, 1 })] // 120 mm[Hg] is 15.9986 kPa
    [InlineData("120.0|http://unitsofmeasure.org|mm[Hg]", new[] { 0, 1 })] // [119.95, 120.05)
    [InlineData("120.00|http://unitsofmeasure.org|mm[Hg]", new[] { 1 })] // [119.995, 120.005): 120.0095 is out
    [InlineData("gt100|http://unitsofmeasure.org|mm[Hg]", new[] { 0, 1 })]
    [InlineData("lt14|http://unitsofmeasure.org|kPa", new[] { 2 })]
    [InlineData("ap13000|http://unitsofmeasure.org|Pa", new[] { 2 })]
    public async Task Millimetres_of_mercury_and_kilopascals_compare_within_the_search_precision(string quantity, int[] expected)
    {
        var (patient, ids) = await ObservationsAsync((16, "kPa", Ucum), (120, "mm[Hg]", Ucum), (13, "kPa", Ucum));

        Assert.Equal(Pick(ids, expected), (await MatchesAsync(patient, quantity)).Order());
    }

    [Theory]
    [InlineData("6|http://unitsofmeasure.org|kg", new[] { 0 })]
    [InlineData("6|http://unitsofmeasure.org|m", new[] { 1 })]
    [InlineData("gt1|http://unitsofmeasure.org|kg", new[] { 0 })]
    [InlineData("gt1|http://unitsofmeasure.org|cm", new[] { 1 })]
    [InlineData("gt1|http://unitsofmeasure.org|s", new int[0])]
    public async Task Units_of_another_dimension_never_match(string quantity, int[] expected)
    {
        var (patient, ids) = await ObservationsAsync((6, "kg", Ucum), (6, "m", Ucum));

        Assert.Equal(Pick(ids, expected), (await MatchesAsync(patient, quantity)).Order());
    }

    [Theory]
    [InlineData("gt5|http://unitsofmeasure.org|kg", new[] { 0 })] // the other system's 6000 g is not UCUM: not converted
    [InlineData("6000|http://example.org/other-units|g", new[] { 1 })]
    [InlineData("gt5|http://example.org/other-units|kg", new int[0])] // no conversion outside UCUM
    [InlineData("6||kg", new[] { 0 })] // ||code matches the code in any system, as recorded
    [InlineData("6000||g", new[] { 1 })]
    [InlineData("gt5||kg", new[] { 0 })]
    [InlineData("6|http://unitsofmeasure.org|", new[] { 0 })]
    public async Task Other_systems_and_code_only_searches_match_the_recorded_unit(string quantity, int[] expected)
    {
        var (patient, ids) = await ObservationsAsync((6, "kg", Ucum), (6000, "g", OtherUnits));

        Assert.Equal(Pick(ids, expected), (await MatchesAsync(patient, quantity)).Order());
    }

    [Theory]
    [InlineData("37|http://unitsofmeasure.org|Cel", new[] { 0 })] // Celsius has an offset: no linear conversion
    [InlineData("310|http://unitsofmeasure.org|K", new int[0])]
    [InlineData("5|http://unitsofmeasure.org|[iU]", new[] { 1 })] // arbitrary: commensurable with nothing
    [InlineData("5|http://unitsofmeasure.org|%", new int[0])]
    public async Task Codes_that_do_not_convert_match_as_recorded(string quantity, int[] expected)
    {
        var (patient, ids) = await ObservationsAsync((37, "Cel", Ucum), (5, "[iU]", Ucum));

        Assert.Equal(Pick(ids, expected), (await MatchesAsync(patient, quantity)).Order());
    }

    [Fact]
    public async Task Rows_indexed_before_the_canonical_columns_match_in_their_recorded_unit_until_reindex()
    {
        var (patient, ids) = await ObservationsAsync((6, "kg", Ucum), (5500, "g", Ucum));
        using (var scope = factory.Services.CreateScope())
        {
            // What the migration leaves on rows written before it: no canonical values, until $reindex rewrites them.
            var db = scope.ServiceProvider.GetRequiredService<FhirDbContext>();
            var keys = await db.Resources.Where(r => r.Type == "Observation" && ids.Contains(r.LogicalId)).Select(r => r.Key).ToListAsync();
            await db.QuantityIndex.Where(q => keys.Contains(q.ResourceKey))
                .ExecuteUpdateAsync(s => s.SetProperty(q => q.CanonicalCode, (string)null).SetProperty(q => q.CanonicalValue, (double?)null));
        }

        Assert.Equal([ids[0]], await MatchesAsync(patient, "gt5|http://unitsofmeasure.org|kg"));
        Assert.Equal([ids[1]], await MatchesAsync(patient, "gt5|http://unitsofmeasure.org|g"));

        using var kickOff = await client.PostAsync("Observation/$reindex", null);
        var final = await SearchParameterDefinitionTests.WaitForReindexAsync(client, kickOff.Content.Headers.ContentLocation);

        Assert.Equal("completed", final.GetSingleValue<Code>("status").Value);
        Assert.Equal(ids.Order(), (await MatchesAsync(patient, "gt5|http://unitsofmeasure.org|kg")).Order());
        Assert.Equal(ids.Order(), (await MatchesAsync(patient, "gt5|http://unitsofmeasure.org|g")).Order());
    }

    [Theory]
    [InlineData("http://loinc.org|8480-6$gt18|http://unitsofmeasure.org|kPa", true)] // 150 mm[Hg] is 20 kPa
    [InlineData("http://loinc.org|8480-6$20|http://unitsofmeasure.org|kPa", true)]
    [InlineData("http://loinc.org|8462-4$gt18|http://unitsofmeasure.org|kPa", false)] // 80 mm[Hg] is 10.7 kPa
    [InlineData("http://loinc.org|8480-6$gt18|http://unitsofmeasure.org|kg", false)]
    [InlineData("http://loinc.org|8480-6$150||mm[Hg]", true)]
    public async Task Composite_quantities_compare_in_base_units_too(string value, bool matches)
    {
        var patient = await NewPatientAsync();
        static Quantity MmHg(decimal v) => new() { Value = v, Unit = "mmHg", System = Ucum, Code = "mm[Hg]" };
        var panel = new Observation
        {
            Status = ObservationStatus.Final,
            Code = new CodeableConcept("http://loinc.org", "55284-4", "Blood pressure systolic and diastolic"),
            Subject = new ResourceReference($"Patient/{patient}"),
            Effective = new FhirDateTime("2026-03-01T10:00:00Z"),
            Component =
            [
                new Observation.ComponentComponent { Code = new CodeableConcept("http://loinc.org", "8480-6"), Value = MmHg(150) },
                new Observation.ComponentComponent { Code = new CodeableConcept("http://loinc.org", "8462-4"), Value = MmHg(80) },
            ],
        };
        var id = (await client.CreateAsync(panel)).Id;

        var bundle = await client.GetBundleAsync($"Observation?patient={patient}&component-code-value-quantity={Q(value)}");

        Assert.Equal(matches ? [id] : [], bundle.MatchIds());
    }
}
