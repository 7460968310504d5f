// Firely's model is nullable-annotated throughout; in these tests a missing element is a failed assertion
// (a NullReferenceException names it), not something to guard against.
#nullable disable warnings

using System.Net;
using Hl7.Fhir.Model;
using static FhirKetamine.Server.Tests.Search.SearchBundles;

namespace FhirKetamine.Server.Tests.Search;

/// <summary>Modifiers and prefixes: :missing, :not, :exact, :text, :above/:below, ne, sa, eb, ap, and malformed values.</summary>
public sealed class SearchModifierTests(FhirServerFactory factory) : IClassFixture<FhirServerFactory>
{
    private readonly HttpClient client = factory.CreateFhirClient();

    private async Task<string> ObservationAsync(string patient, decimal? bpm, string code = "8867-4", string display = "Heart rate", string effective = "2026-03-01T10:00:00Z")
    {
        var obs = Fhir.HeartRate(patient, effective, bpm ?? 0);
        obs.Code = new CodeableConcept("http://loinc.org", code, display);
        if (bpm is null)
        {
            obs.Value = null;
            obs.DataAbsentReason = new CodeableConcept("http://terminology.hl7.org/CodeSystem/data-absent-reason", "unknown");
        }

        return (await client.CreateAsync(obs)).Id;
    }

    private async Task<string> NewPatientAsync() => (await client.CreateAsync(Fhir.Patient())).Id;

    [Fact]
    public async Task Missing_true_and_false_split_resources_with_and_without_a_value()
    {
        var patient = await NewPatientAsync();
        var withValue = await ObservationAsync(patient, 70);
        var without = await ObservationAsync(patient, null);

        var missing = await client.GetBundleAsync($"Observation?patient={patient}&value-quantity:missing=true");
        var present = await client.GetBundleAsync($"Observation?patient={patient}&value-quantity:missing=false");

        Assert.Equal([without], missing.MatchIds());
        Assert.Equal([withValue], present.MatchIds());
    }

    [Fact]
    public async Task Not_on_a_token_keeps_resources_without_that_code()
    {
        var patient = await NewPatientAsync();
        await ObservationAsync(patient, 70);
        var respiratory = await ObservationAsync(patient, 16, "9279-1", "Respiratory rate");

        var bundle = await client.GetBundleAsync($"Observation?patient={patient}&code:not={Q("http://loinc.org|8867-4")}");

        Assert.Equal([respiratory], bundle.MatchIds());
    }

    [Fact]
    public async Task Text_on_a_token_matches_the_display_case_insensitively()
    {
        var patient = await NewPatientAsync();
        var heart = await ObservationAsync(patient, 70, display: "Heart rate");
        await ObservationAsync(patient, 16, "9279-1", "Respiratory rate");

        var bundle = await client.GetBundleAsync($"Observation?patient={patient}&code:text=HEART");

        Assert.Equal([heart], bundle.MatchIds());
    }

    [Fact]
    public async Task Exact_on_a_string_is_case_sensitive_and_whole()
    {
        var family = "Rivéra" + Guid.NewGuid().ToString("N")[..6];
        var created = (await client.CreateAsync(Fhir.Patient(family))).Id;

        Assert.Equal([created], (await client.GetBundleAsync($"Patient?family:exact={Q(family)}")).MatchIds());
        Assert.Empty((await client.GetBundleAsync($"Patient?family:exact={Q(family.ToLowerInvariant())}")).MatchIds());
        Assert.Empty((await client.GetBundleAsync($"Patient?family:exact={Q(family[..5])}")).MatchIds());
    }

    [Theory]
    [InlineData("ne70", new[] { 0, 2 })]
    [InlineData("ap100", new[] { 2 })]
    [InlineData("sa70", new[] { 2 })]
    [InlineData("eb70", new[] { 0 })]
    [InlineData("70|http://unitsofmeasure.org|/min", new[] { 1 })]
    [InlineData("70||/min", new[] { 1 })]
    [InlineData("70|http://unitsofmeasure.org|mm[Hg]", new int[0])]
    public async Task Quantity_prefixes_and_units(string value, int[] expected)
    {
        var patient = await NewPatientAsync();
        var ids = new[] { await ObservationAsync(patient, 55), await ObservationAsync(patient, 70), await ObservationAsync(patient, 105) };

        var bundle = await client.GetBundleAsync($"Observation?patient={patient}&value-quantity={Q(value)}");

        Assert.Equal(expected.Select(i => ids[i]).Order(), bundle.MatchIds().Order());
    }

    [Theory]
    [InlineData("sa2026-03-02", new[] { 2 })]
    [InlineData("eb2026-03-02", new[] { 0 })]
    [InlineData("ne2026-03", new int[0])]
    public async Task Date_prefixes_starts_after_and_ends_before(string value, int[] expected)
    {
        var patient = await NewPatientAsync();
        var ids = new[]
        {
            await ObservationAsync(patient, 70, effective: "2026-03-01T10:00:00Z"),
            await ObservationAsync(patient, 70, effective: "2026-03-02T10:00:00Z"),
            await ObservationAsync(patient, 70, effective: "2026-03-03T10:00:00Z"),
        };

        var bundle = await client.GetBundleAsync($"Observation?patient={patient}&date={value}");

        Assert.Equal(expected.Select(i => ids[i]).Order(), bundle.MatchIds().Order());
    }

    [Fact]
    public async Task Uri_above_and_below_match_on_path_boundaries()
    {
        var root = $"http://acme.org/fhir/{Guid.NewGuid():N}";
        var set = (await client.CreateAsync(new ValueSet { Url = $"{root}/ValueSet/vs", Status = PublicationStatus.Active })).Id;

        var above = await client.GetBundleAsync($"ValueSet?url:above={Q(root + "/ValueSet/vs/2.0")}");
        var below = await client.GetBundleAsync($"ValueSet?url:below={Q(root + "/ValueSet")}");
        var exactOnly = await client.GetBundleAsync($"ValueSet?url={Q(root + "/ValueSet")}");

        Assert.Equal([set], above.MatchIds());
        Assert.Equal([set], below.MatchIds());
        Assert.Empty(exactOnly.MatchIds());
    }

    [Theory]
    [InlineData("Observation?date=notadate", "date")]
    [InlineData("Observation?value-quantity=abc", "value-quantity")]
    [InlineData("Observation?code:below=x", "code")]
    [InlineData("Observation?_sort=nonsense", "_sort")]
    [InlineData("Observation?_total=sometimes", "_total")]
    public async Task Malformed_value_or_unsupported_modifier_is_400_naming_the_parameter(string url, string parameter)
    {
        var response = await client.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(parameter, (await response.ReadAsync<OperationOutcome>()).Issue[0].Diagnostics, StringComparison.Ordinal);
    }
}
