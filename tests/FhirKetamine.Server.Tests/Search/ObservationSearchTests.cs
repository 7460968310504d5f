// Firely's model is nullable-annotated throughout; in these tests a missing element is a failed assertion
// (a NullReferenceException names it), not something to guard against.
#nullable disable warnings

using System.Net;
using Hl7.Fhir.Model;
using static FhirKetamine.Server.Tests.Search.SearchBundles;

namespace FhirKetamine.Server.Tests.Search;

public sealed class ObservationSearchTests(FhirServerFactory factory) : IClassFixture<FhirServerFactory>
{
    private readonly HttpClient client = factory.CreateFhirClient();

    private async Task<string> NewPatientAsync() => (await client.CreateAsync(Fhir.Patient())).Id;

    private async Task<string> HeartRateAsync(string patientId, string effective, decimal bpm) =>
        (await client.CreateAsync(Fhir.HeartRate(patientId, effective, bpm))).Id;

    private async Task<string> RespiratoryRateAsync(string patientId, string effective)
    {
        var obs = Fhir.HeartRate(patientId, effective, 16);
        obs.Code = new CodeableConcept("http://loinc.org", "9279-1", "Respiratory rate");
        return (await client.CreateAsync(obs)).Id;
    }

    [Fact]
    public async Task Search_by_patient_finds_only_that_patients_observations()
    {
        var patient = await NewPatientAsync();
        var other = await NewPatientAsync();
        var mine = new[] { await HeartRateAsync(patient, "2026-03-01T10:00:00Z", 70), await HeartRateAsync(patient, "2026-03-01T11:00:00Z", 71) };
        await HeartRateAsync(other, "2026-03-01T10:00:00Z", 80);

        var byPatient = await client.GetBundleAsync($"Observation?patient={patient}");
        var bySubject = await client.GetBundleAsync($"Observation?subject=Patient/{patient}");

        Assert.Equal(mine.Order(), byPatient.MatchIds().Order());
        Assert.Equal(mine.Order(), bySubject.MatchIds().Order());
        Assert.Equal(2, byPatient.Total);
    }

    [Theory]
    [InlineData("http://loinc.org|8867-4")]
    [InlineData("8867-4")]
    public async Task Search_by_code_with_or_without_system_finds_matching_code_only(string code)
    {
        var patient = await NewPatientAsync();
        var heart = await HeartRateAsync(patient, "2026-03-01T10:00:00Z", 70);
        await RespiratoryRateAsync(patient, "2026-03-01T10:00:00Z");

        var bundle = await client.GetBundleAsync($"Observation?patient={patient}&code={Q(code)}");

        Assert.Equal([heart], bundle.MatchIds());
    }

    [Fact]
    public async Task Search_by_code_with_wrong_system_finds_nothing()
    {
        var patient = await NewPatientAsync();
        await HeartRateAsync(patient, "2026-03-01T10:00:00Z", 70);

        var bundle = await client.GetBundleAsync($"Observation?patient={patient}&code={Q("http://snomed.info/sct|8867-4")}");

        Assert.Empty(bundle.MatchIds());
    }

    [Theory]
    [InlineData("ge2026-03-02", new[] { 1, 2 })]
    [InlineData("lt2026-03-02", new[] { 0 })]
    [InlineData("eq2026-03-02", new[] { 1 })]
    [InlineData("2026-03-02", new[] { 1 })]
    [InlineData("gt2026-03-02", new[] { 2 })]
    [InlineData("le2026-03-02", new[] { 0, 1 })]
    [InlineData("ne2026-03-02", new[] { 0, 2 })]
    [InlineData("ge2026-03-01T12:00:00Z", new[] { 1, 2 })]
    [InlineData("2026-03", new[] { 0, 1, 2 })]
    public async Task Search_by_date_with_prefix_compares_ranges(string date, int[] expected)
    {
        var patient = await NewPatientAsync();
        string[] ids =
        [
            await HeartRateAsync(patient, "2026-03-01T10:00:00Z", 70),
            await HeartRateAsync(patient, "2026-03-02T10:00:00Z", 71),
            await HeartRateAsync(patient, "2026-03-03T10:00:00Z", 72),
        ];

        var bundle = await client.GetBundleAsync($"Observation?patient={patient}&date={Q(date)}");

        Assert.Equal(expected.Select(i => ids[i]).Order(), bundle.MatchIds().Order());
    }

    [Theory]
    [InlineData("gt100|http://unitsofmeasure.org|/min", new[] { 1 })]
    [InlineData("gt100", new[] { 1 })]
    [InlineData("le72||/min", new[] { 0 })]
    [InlineData("72|http://unitsofmeasure.org|/min", new[] { 0 })]
    [InlineData("gt100|http://unitsofmeasure.org|mm[Hg]", new int[0])]
    [InlineData("gt50|http://example.org/other-units|/min", new int[0])]
    public async Task Search_by_value_quantity_applies_prefix_and_units(string value, int[] expected)
    {
        var patient = await NewPatientAsync();
        string[] ids =
        [
            await HeartRateAsync(patient, "2026-03-01T10:00:00Z", 72),
            await HeartRateAsync(patient, "2026-03-01T11:00:00Z", 120),
        ];

        var bundle = await client.GetBundleAsync($"Observation?patient={patient}&value-quantity={Q(value)}");

        Assert.Equal(expected.Select(i => ids[i]).Order(), bundle.MatchIds().Order());
    }

    [Fact]
    public async Task Search_combining_patient_code_and_date_ands_the_clauses()
    {
        var patient = await NewPatientAsync();
        var other = await NewPatientAsync();
        var wanted = await HeartRateAsync(patient, "2026-03-05T10:00:00Z", 70);
        await HeartRateAsync(patient, "2026-03-01T10:00:00Z", 70); // too early
        await RespiratoryRateAsync(patient, "2026-03-05T10:00:00Z"); // other code
        await HeartRateAsync(other, "2026-03-05T10:00:00Z", 70); // other patient

        var bundle = await client.GetBundleAsync(
            $"Observation?patient={patient}&code={Q("http://loinc.org|8867-4")}&date=ge2026-03-04");

        Assert.Equal([wanted], bundle.MatchIds());
        Assert.Equal(1, bundle.Total);
    }

    [Fact]
    public async Task Search_with_comma_separated_values_ors_them()
    {
        var patient = await NewPatientAsync();
        var heart = await HeartRateAsync(patient, "2026-03-01T10:00:00Z", 70);
        var resp = await RespiratoryRateAsync(patient, "2026-03-01T10:00:00Z");

        var bundle = await client.GetBundleAsync($"Observation?patient={patient}&code={Q("8867-4,9279-1")}");

        Assert.Equal(new[] { heart, resp }.Order(), bundle.MatchIds().Order());
    }

    [Fact]
    public async Task Bad_date_value_returns_400_OperationOutcome()
    {
        var response = await client.GetAsync("Observation?date=not-a-date");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var outcome = await response.ReadAsync<OperationOutcome>();
        Assert.Contains(outcome.Issue, i => i.Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal);
    }

    [Fact]
    public async Task Bad_quantity_value_returns_400_OperationOutcome()
    {
        var response = await client.GetAsync("Observation?value-quantity=gtabc");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await response.ReadAsync<OperationOutcome>();
    }
}
