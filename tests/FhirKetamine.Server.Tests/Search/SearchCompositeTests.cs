// Firely's model is nullable-annotated throughout; in these tests a missing element is a failed assertion
// (a NullReferenceException names it), not something to guard against.
#nullable disable warnings

using System.Net;
using Hl7.Fhir.Model;
using static FhirKetamine.Server.Tests.Search.SearchBundles;

namespace FhirKetamine.Server.Tests.Search;

/// <summary>
/// Token$quantity composites on Observation: <c>code-value-quantity</c>, <c>component-code-value-quantity</c> and
/// <c>combo-code-value-quantity</c>, where the code and the value must come from the same element.
/// </summary>
public sealed class SearchCompositeTests(FhirServerFactory factory) : IClassFixture<FhirServerFactory>
{
    private const string Loinc = "http://loinc.org";
    private const string Ucum = "http://unitsofmeasure.org";
    private const string Systolic = "8480-6";
    private const string Diastolic = "8462-4";

    private readonly HttpClient client = factory.CreateFhirClient();

    private static Quantity MmHg(decimal value) => new() { Value = value, Unit = "mmHg", System = Ucum, Code = "mm[Hg]" };

    /// <summary>A blood pressure panel (55284-4: no IG profile applies) with a systolic and a diastolic component.</summary>
    private static Observation BloodPressure(string patient, decimal systolic, decimal diastolic) => new()
    {
        Status = ObservationStatus.Final,
        Code = new CodeableConcept(Loinc, "55284-4", "Blood pressure systolic and diastolic"),
        Subject = new ResourceReference($"Patient/{patient}"),
        Effective = new FhirDateTime("2026-03-01T10:00:00Z"),
        Component =
        [
            new Observation.ComponentComponent { Code = new CodeableConcept(Loinc, Systolic), Value = MmHg(systolic) },
            new Observation.ComponentComponent { Code = new CodeableConcept(Loinc, Diastolic), Value = MmHg(diastolic) },
        ],
    };

    private async Task<string> NewPatientAsync() => (await client.CreateAsync(Fhir.Patient())).Id;

    private Task<Bundle> SearchAsync(string patient, string query) => client.GetBundleAsync($"Observation?patient={patient}&{query}");

    [Fact]
    public async Task Component_code_and_value_must_come_from_the_same_component()
    {
        var patient = await NewPatientAsync();
        var high = (await client.CreateAsync(BloodPressure(patient, 150, 80))).Id;
        var lowSystolicHighDiastolic = (await client.CreateAsync(BloodPressure(patient, 120, 95))).Id;

        var systolicOver140 = await SearchAsync(patient, $"component-code-value-quantity={Q($"{Loinc}|{Systolic}$gt140")}");
        // The first panel has a value over 140 (systolic) and a diastolic component, but not in the same component.
        var diastolicOver140 = await SearchAsync(patient, $"component-code-value-quantity={Q($"{Loinc}|{Diastolic}$gt140")}");
        var diastolicOver90 = await SearchAsync(patient, $"component-code-value-quantity={Q($"{Diastolic}$gt90")}");
        var either = await SearchAsync(patient, $"component-code-value-quantity={Q($"{Loinc}|{Systolic}$gt140")},{Q($"{Loinc}|{Diastolic}$ge95")}");
        var both = await SearchAsync(patient,
            $"component-code-value-quantity={Q($"{Loinc}|{Systolic}$gt140")}&component-code-value-quantity={Q($"{Loinc}|{Diastolic}$lt85")}");

        Assert.Equal([high], systolicOver140.MatchIds());
        Assert.Empty(diastolicOver140.MatchIds());
        Assert.Equal([lowSystolicHighDiastolic], diastolicOver90.MatchIds());
        Assert.Equal(new[] { high, lowSystolicHighDiastolic }.Order(), either.MatchIds().Order());
        Assert.Equal([high], both.MatchIds());
    }

    [Theory]
    [InlineData("150", true)]
    [InlineData("eq150|http://unitsofmeasure.org|mm[Hg]", true)]
    [InlineData("150||mm[Hg]", true)]
    [InlineData("150|http://unitsofmeasure.org|kPa", false)]
    [InlineData("ne150", false)]
    [InlineData("le149", false)]
    [InlineData("ap140", true)]
    public async Task The_quantity_half_takes_prefixes_and_units(string quantity, bool matches)
    {
        var patient = await NewPatientAsync();
        var id = (await client.CreateAsync(BloodPressure(patient, 150, 80))).Id;

        var bundle = await SearchAsync(patient, $"component-code-value-quantity={Q($"{Loinc}|{Systolic}${quantity}")}");

        Assert.Equal(matches ? [id] : [], bundle.MatchIds());
    }

    [Fact]
    public async Task Code_value_quantity_pairs_the_Observation_code_with_its_value_and_combo_takes_either()
    {
        var patient = await NewPatientAsync();
        var fast = (await client.CreateAsync(Fhir.HeartRate(patient, "2026-03-01T10:00:00Z", 110))).Id;
        var slow = (await client.CreateAsync(Fhir.HeartRate(patient, "2026-03-01T11:00:00Z", 70))).Id;
        var pressure = (await client.CreateAsync(BloodPressure(patient, 150, 80))).Id;

        var tachycardia = await SearchAsync(patient, $"code-value-quantity={Q($"{Loinc}|8867-4$ge100")}");
        // The panel's own code has no value: code-value-quantity never pairs it with a component's.
        var panel = await SearchAsync(patient, $"code-value-quantity={Q($"{Loinc}|55284-4$gt0")}");
        var comboHeart = await SearchAsync(patient, $"combo-code-value-quantity={Q($"{Loinc}|8867-4$lt100")}");
        var comboSystolic = await SearchAsync(patient, $"combo-code-value-quantity={Q($"{Loinc}|{Systolic}$gt140")}");

        Assert.Equal([fast], tachycardia.MatchIds());
        Assert.Empty(panel.MatchIds());
        Assert.Equal([slow], comboHeart.MatchIds());
        Assert.Equal([pressure], comboSystolic.MatchIds());
    }

    [Fact]
    public async Task An_update_reindexes_the_pairs_and_missing_finds_Observations_without_them()
    {
        var patient = await NewPatientAsync();
        var created = await client.CreateAsync(BloodPressure(patient, 150, 80));
        var heart = (await client.CreateAsync(Fhir.HeartRate(patient, "2026-03-01T10:00:00Z", 70))).Id;
        var query = $"component-code-value-quantity={Q($"{Loinc}|{Systolic}$gt140")}";
        Assert.Equal([created.Id], (await SearchAsync(patient, query)).MatchIds());

        created.Component[0].Value = MmHg(118);
        var put = await client.PutAsync($"Observation/{created.Id}", Fhir.Json(created));
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());

        Assert.Empty((await SearchAsync(patient, query)).MatchIds());
        Assert.Equal([created.Id], (await SearchAsync(patient, $"component-code-value-quantity={Q($"{Loinc}|{Systolic}$eq118")}")).MatchIds());
        Assert.Equal([heart], (await SearchAsync(patient, "component-code-value-quantity:missing=true")).MatchIds());
    }

    [Theory]
    [InlineData("component-code-value-quantity=8480-6", "component-code-value-quantity")]
    [InlineData("component-code-value-quantity=8480-6$abc", "component-code-value-quantity")]
    [InlineData("component-code-value-quantity=$gt140", "component-code-value-quantity")]
    [InlineData("component-code-value-quantity:exact=8480-6$140", "component-code-value-quantity:exact")]
    [InlineData("_sort=component-code-value-quantity", "_sort")]
    public async Task Malformed_composite_values_are_400_naming_the_parameter(string query, string parameter)
    {
        var response = await client.GetAsync($"Observation?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(parameter, (await response.ReadAsync<OperationOutcome>()).Issue[0].Diagnostics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_CapabilityStatement_lists_the_two_part_composites_and_not_the_others()
    {
        var statement = await (await client.GetAsync("metadata")).ReadAsync<CapabilityStatement>();
        CapabilityStatement.SearchParamComponent[] Of(string type) => [.. statement.Rest[0].Resource.Single(r => r.Type == type).SearchParam];
        var observation = Of("Observation");

        foreach (var name in new[]
        {
            "code-value-quantity", "component-code-value-quantity", "combo-code-value-quantity", "code-value-concept",
            "component-code-value-concept", "combo-code-value-concept", "code-value-date", "code-value-string",
        })
        {
            var parameter = observation.Single(p => p.Name == name);
            Assert.Equal(SearchParamType.Composite, parameter.Type);
            Assert.Equal($"http://hl7.org/fhir/SearchParameter/Observation-{name}", parameter.Definition);
            Assert.Contains("same element", parameter.Documentation, StringComparison.Ordinal);
        }

        Assert.Contains(Of("ValueSet"), p => p.Name == "context-type-value");
        Assert.DoesNotContain(Of("DocumentReference"), p => p.Name == "relationship"); // reference$token
        Assert.DoesNotContain(Of("ValueSet"), p => p.Name == "context-type-quantity"); // its quantity may be a Range
        Assert.DoesNotContain(Of("MolecularSequence"), p => p.Name == "chromosome-variant-coordinate"); // three parts
    }

    private const string Snomed = "http://snomed.info/sct";
    private const string Detected = "260373001";
    private const string NotDetected = "260415000";

    private static Observation Lab(string patient, string code, DataType value, params (string Code, DataType Value)[] components) => new()
    {
        Status = ObservationStatus.Final,
        Code = new CodeableConcept(Loinc, code),
        Subject = new ResourceReference($"Patient/{patient}"),
        Effective = new FhirDateTime("2026-03-01T10:00:00Z"),
        Value = value,
        Component = [.. components.Select(c => new Observation.ComponentComponent { Code = new CodeableConcept(Loinc, c.Code), Value = c.Value })],
    };

    [Fact]
    public async Task Code_value_concept_pairs_the_code_with_its_own_coded_value_never_another_Observations()
    {
        var patient = await NewPatientAsync();
        var covid = (await client.CreateAsync(Lab(patient, "94500-6", new CodeableConcept(Snomed, Detected)))).Id;
        var flu = (await client.CreateAsync(Lab(patient, "92142-9", new CodeableConcept(Snomed, NotDetected)))).Id;

        var pair = await SearchAsync(patient, $"code-value-concept={Q($"{Loinc}|94500-6${Snomed}|{Detected}")}");
        var bare = await SearchAsync(patient, $"code-value-concept={Q($"94500-6${Detected}")}");
        var systemOnly = await SearchAsync(patient, $"code-value-concept={Q($"{Loinc}|92142-9${Snomed}|")}");
        var cross = await SearchAsync(patient, $"code-value-concept={Q($"{Loinc}|94500-6${Snomed}|{NotDetected}")}");
        var missing = await SearchAsync(patient, "code-value-concept:missing=false");

        Assert.Equal([covid], pair.MatchIds());
        Assert.Equal([covid], bare.MatchIds());
        Assert.Equal([flu], systemOnly.MatchIds());
        Assert.Empty(cross.MatchIds());
        Assert.Equal(new[] { covid, flu }.Order(), missing.MatchIds().Order());
    }

    [Fact]
    public async Task Component_code_value_concept_never_pairs_one_components_code_with_anothers_value_and_combo_takes_both_levels()
    {
        var patient = await NewPatientAsync();
        var panel = (await client.CreateAsync(Lab(patient, "94531-1", new CodeableConcept(Snomed, Detected),
            ("94500-6", new CodeableConcept(Snomed, Detected)), ("92142-9", new CodeableConcept(Snomed, NotDetected))))).Id;

        var own = await SearchAsync(patient, $"component-code-value-concept={Q($"{Loinc}|92142-9${Snomed}|{NotDetected}")}");
        var cross = await SearchAsync(patient, $"component-code-value-concept={Q($"{Loinc}|92142-9${Snomed}|{Detected}")}");
        var panelCode = await SearchAsync(patient, $"component-code-value-concept={Q($"{Loinc}|94531-1${Snomed}|{Detected}")}");
        var comboPanel = await SearchAsync(patient, $"combo-code-value-concept={Q($"{Loinc}|94531-1${Snomed}|{Detected}")}");
        var comboComponent = await SearchAsync(patient, $"combo-code-value-concept={Q($"{Loinc}|92142-9${Snomed}|{NotDetected}")}");
        var comboCross = await SearchAsync(patient, $"combo-code-value-concept={Q($"{Loinc}|94531-1${Snomed}|{NotDetected}")}");

        Assert.Equal([panel], own.MatchIds());
        Assert.Empty(cross.MatchIds());
        Assert.Empty(panelCode.MatchIds()); // the panel's own code is not a component's
        Assert.Equal([panel], comboPanel.MatchIds());
        Assert.Equal([panel], comboComponent.MatchIds());
        Assert.Empty(comboCross.MatchIds());
    }

    [Fact]
    public async Task Code_value_string_matches_the_start_of_its_own_value_case_and_accent_insensitive()
    {
        var patient = await NewPatientAsync();
        var smoking = (await client.CreateAsync(Lab(patient, "72166-2", new FhirString("Rauchér, früher")))).Id;
        var other = (await client.CreateAsync(Lab(patient, "11331-6", new FhirString("Never")))).Id;

        var pair = await SearchAsync(patient, $"code-value-string={Q("72166-2$raucher")}");
        var cross = await SearchAsync(patient, $"code-value-string={Q("72166-2$never")}");
        var otherPair = await SearchAsync(patient, $"code-value-string={Q($"{Loinc}|11331-6$Nev")}");

        Assert.Equal([smoking], pair.MatchIds());
        Assert.Empty(cross.MatchIds());
        Assert.Equal([other], otherPair.MatchIds());
    }

    [Fact]
    public async Task Code_value_date_compares_its_own_date_as_a_range_with_prefixes()
    {
        var patient = await NewPatientAsync();
        var onset = (await client.CreateAsync(Lab(patient, "11368-8", new FhirDateTime("2026-03-05")))).Id;
        var later = (await client.CreateAsync(Lab(patient, "21612-7", new FhirDateTime("2026-06-01T08:00:00Z")))).Id;

        var month = await SearchAsync(patient, $"code-value-date={Q("11368-8$2026-03")}");
        var after = await SearchAsync(patient, $"code-value-date={Q($"{Loinc}|11368-8$ge2026-05")}");
        var laterAfter = await SearchAsync(patient, $"code-value-date={Q("21612-7$ge2026-05")}");
        var before = await SearchAsync(patient, $"code-value-date={Q("11368-8$lt2026-03-05")}");

        Assert.Equal([onset], month.MatchIds());
        Assert.Empty(after.MatchIds()); // 2026-06 is the other Observation's date
        Assert.Equal([later], laterAfter.MatchIds());
        Assert.Empty(before.MatchIds());
    }

    [Fact]
    public async Task Context_type_value_pairs_each_use_context_type_with_its_own_value()
    {
        const string UsageType = "http://terminology.hl7.org/CodeSystem/usage-context-type";
        var marker = Guid.NewGuid().ToString("N");
        var valueSet = new ValueSet
        {
            Url = $"http://example.org/ValueSet/{marker}",
            Status = PublicationStatus.Draft,
            UseContext =
            [
                new UsageContext { Code = new Coding(UsageType, "focus"), Value = new CodeableConcept(Snomed, $"focus-{marker}") },
                new UsageContext { Code = new Coding(UsageType, "venue"), Value = new CodeableConcept(Snomed, $"venue-{marker}") },
            ],
        };
        var id = (await client.CreateAsync(valueSet)).Id;

        var own = await client.GetBundleAsync($"ValueSet?context-type-value={Q($"{UsageType}|venue${Snomed}|venue-{marker}")}");
        var cross = await client.GetBundleAsync($"ValueSet?context-type-value={Q($"focus$venue-{marker}")}");

        Assert.Equal([id], own.MatchIds());
        Assert.Empty(cross.MatchIds());
    }

    [Theory]
    [InlineData("code-value-concept=94500-6", "code-value-concept")]
    [InlineData("code-value-date=11368-8$notadate", "code-value-date")]
    [InlineData("code-value-string=a$b$c", "code-value-string")]
    public async Task Malformed_pairs_of_the_other_kinds_are_400_naming_the_parameter(string query, string parameter)
    {
        var response = await client.GetAsync($"Observation?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(parameter, (await response.ReadAsync<OperationOutcome>()).Issue[0].Diagnostics, StringComparison.Ordinal);
    }
}
