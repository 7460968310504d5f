// Firely's model is nullable-annotated throughout; in these tests a missing element is a failed assertion.
#nullable disable warnings

using System.Net;

namespace FhirKetamine.Server.Tests.Search;

/// <summary>
/// The worked examples of the R4 search page (hl7.org/fhir/R4/search.html, sections 3.1.1.4.5–3.1.1.4.10 and
/// 3.1.1.5.x), each as the spec states it: the stored values it names, the query it shows, and which of them match.
/// Each test works on resources of its own patient (or its own URL domain), so the shared database does not matter.
/// </summary>
public sealed class SpecWorkedExamplesTests(FhirServerFactory factory) : IClassFixture<FhirServerFactory>
{
    private readonly HttpClient client = factory.CreateFhirClient();

    private async Task<string> PatientAsync(string given = "Ana", string gender = "female")
    {
        var family = $"Spec{Guid.NewGuid():N}"[..16];
        var json = $$"""{"resourceType":"Patient","name":[{"family":"{{family}}","given":["{{given}}"]}],"gender":"{{gender}}"}""";
        return await CreateAsync(json);
    }

    private async Task<string> CreateAsync(string json)
    {
        var type = System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("resourceType").GetString();
        using var response = await client.PostAsync(type, Fhir.Json(json));
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();
    }

    private async Task<List<string>> MatchesAsync(string url) => (await client.GetBundleAsync(url)).MatchIds();

    // 3.1.1.4.7 date: "[parameter]=eq2013-01-14 — 2013-01-14T00:00 matches (obviously), 2013-01-14T10:00 matches,
    // 2013-01-15T00:00 does not match"; ne is the converse; lt/gt 2013-01-14T10:00 both match the whole day 2013-01-14.
    [Theory]
    [InlineData("eq2013-01-14", new[] { "midnight", "ten" })]
    [InlineData("ne2013-01-14", new[] { "next-day" })]
    [InlineData("lt2013-01-14T10:00:00Z", new[] { "midnight", "day" })]
    [InlineData("gt2013-01-14T10:00:00Z", new[] { "day", "next-day" })]
    public async Task Date_prefixes_against_instants_and_a_whole_day(string search, string[] expected)
    {
        var patient = await PatientAsync();
        var ids = new Dictionary<string, string>
        {
            ["midnight"] = await CreateAsync(Observation(patient, "2013-01-14T00:00:00Z")),
            ["ten"] = await CreateAsync(Observation(patient, "2013-01-14T10:00:00Z")),
            ["next-day"] = await CreateAsync(Observation(patient, "2013-01-15T00:00:00Z")),
            ["day"] = await CreateAsync(Observation(patient, "2013-01-14")),
        };

        var matches = await MatchesAsync($"Observation?subject=Patient/{patient}&date={search}&_count=100");

        // lt/gt name only "2013-01-14 matches"; the instants are checked by the plain comparison the spec gives for them.
        var relevant = search.StartsWith("eq", StringComparison.Ordinal) || search.StartsWith("ne", StringComparison.Ordinal)
            ? ids.Keys.Where(k => k != "day") : ids.Keys;
        Assert.Equal(expected.Order(), relevant.Where(k => matches.Contains(ids[k])).Order());
    }

    // "ge2013-03-14 / le2013-03-14: 'from 21-Jan 2013 onwards' is included"; "sa2013-03-14: 'from 15-Mar 2013 onwards' is
    // included, 'from 21-Jan 2013 onwards' and 'before and including 21-Jan 2013' are not"; eb the mirror image.
    [Theory]
    [InlineData("ge2013-03-14", new[] { "from-21-jan", "from-15-mar" })]
    [InlineData("le2013-03-14", new[] { "from-21-jan", "until-21-jan" })]
    [InlineData("sa2013-03-14", new[] { "from-15-mar" })]
    [InlineData("eb2013-03-14", new[] { "until-21-jan" })]
    public async Task Date_prefixes_against_open_periods(string search, string[] expected)
    {
        var patient = await PatientAsync();
        var ids = new Dictionary<string, string>
        {
            ["from-21-jan"] = await CreateAsync(Encounter(patient, """{"start":"2013-01-21"}""")),
            ["from-15-mar"] = await CreateAsync(Encounter(patient, """{"start":"2013-03-15"}""")),
            ["until-21-jan"] = await CreateAsync(Encounter(patient, """{"end":"2013-01-21"}""")),
        };

        var matches = await MatchesAsync($"Encounter?subject=Patient/{patient}&date={search}");

        Assert.Equal(expected.Order(), ids.Keys.Where(k => matches.Contains(ids[k])).Order());
    }

    // "ap2013-03-14: 14-Mar 2013 is included - as it exactly matches; 15-Jun 2015 is not included - as it is not near".
    // (Its third line, on 21-Jan 2013, contradicts itself — "not included because that is near" — and is left out.)
    [Fact]
    public async Task Date_approximately()
    {
        var patient = await PatientAsync();
        var exact = await CreateAsync(Observation(patient, "2013-03-14"));
        var far = await CreateAsync(Observation(patient, "2015-06-15"));

        var matches = await MatchesAsync($"Observation?subject=Patient/{patient}&date=ap2013-03-14");

        Assert.Contains(exact, matches);
        Assert.DoesNotContain(far, matches);
    }

    // 3.1.1.4.6 number: "100 — values in the range [99.5 ... 100.5)", "100.00 — [99.995 ... 100.005)", "lt100 — less than
    // exactly 100" (and le, gt, ge), "ne100 — not equal to 100 (actually, in the range 99.5 to 100.5)"; "100 and 1.00e2
    // both have the same number of significant digits - three". RiskAssessment.probability may not exceed 100 (ras-2), so
    // every value here is the spec's minus 90: the same precisions (10 is ±0.5 like 100, 10.00 ±0.005 like 100.00).
    [Theory]
    [InlineData("10", new[] { "9.5", "9.996", "10", "10.004", "10.4" })]
    [InlineData("10.00", new[] { "9.996", "10", "10.004" })]
    [InlineData("1.0e1", new[] { "9.5", "9.996", "10", "10.004", "10.4" })]
    [InlineData("lt10", new[] { "9.5", "9.996" })]
    [InlineData("le10", new[] { "9.5", "9.996", "10" })]
    [InlineData("gt10", new[] { "10.004", "10.4", "10.5" })]
    [InlineData("ge10", new[] { "10", "10.004", "10.4", "10.5" })]
    [InlineData("ne10", new[] { "10.5" })]
    public async Task Number_precision_and_prefixes(string search, string[] expected)
    {
        string[] stored = ["9.5", "9.996", "10", "10.004", "10.4", "10.5"];
        var patient = await PatientAsync();
        var ids = new Dictionary<string, string>();
        foreach (var value in stored)
        {
            ids[value] = await CreateAsync(Risk(patient, value));
        }

        var matches = await MatchesAsync($"RiskAssessment?subject=Patient/{patient}&probability={search}&_count=100");

        Assert.Equal(expected.Order(StringComparer.Ordinal), stored.Where(v => matches.Contains(ids[v])).Order(StringComparer.Ordinal));
    }

    // "1e2 — values that equal 100, to 1 significant figures precision": R4 writes the range as [95 ... 105), R5 corrected
    // it to [50 ... 150) (one significant figure). Divided by ten as above: 1e1 holds 9.6 and 10.4 in both, 16 in neither.
    [Fact]
    public async Task Number_in_exponent_form_takes_its_precision_from_the_mantissa()
    {
        var patient = await PatientAsync();
        var near = await CreateAsync(Risk(patient, "9.6"));
        var alsoNear = await CreateAsync(Risk(patient, "10.4"));
        var far = await CreateAsync(Risk(patient, "16"));

        var matches = await MatchesAsync($"RiskAssessment?subject=Patient/{patient}&probability=1e1");

        Assert.Contains(near, matches);
        Assert.Contains(alsoNear, matches);
        Assert.DoesNotContain(far, matches);
    }

    // 3.1.1.4.8 string: "given=eve — 'Eve', 'Evelyn'"; "given:contains=eve — also 'Severine'"; "given:exact=Eve — not 'eve'
    // or 'EVE'". And "searching either 'Carreno' or 'Quinones' should match a family name of 'Carreno Quinones'".
    [Theory]
    [InlineData("given=eve", new[] { "Eve", "Evelyn", "eve", "EVE" })]
    [InlineData("given:contains=eve", new[] { "Eve", "Evelyn", "Severine", "eve", "EVE" })]
    [InlineData("given:exact=Eve", new[] { "Eve" })]
    public async Task String_default_contains_and_exact(string search, string[] expected)
    {
        var family = $"Spec{Guid.NewGuid():N}"[..16];
        var ids = new Dictionary<string, string>();
        foreach (var given in new[] { "Eve", "Evelyn", "Severine", "eve", "EVE", "Adam" })
        {
            ids[given] = await CreateAsync($$"""{"resourceType":"Patient","name":[{"family":"{{family}}","given":["{{given}}"]}]}""");
        }

        var matches = await MatchesAsync($"Patient?family={family}&{search}&_count=100");

        Assert.Equal(expected.Order(StringComparer.Ordinal), ids.Keys.Where(k => matches.Contains(ids[k])).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task String_each_part_of_a_family_name_matches()
    {
        var unique = $"Spec{Guid.NewGuid():N}"[..16];
        var id = await CreateAsync($$"""{"resourceType":"Patient","name":[{"family":"Carreno Quinones","given":["{{unique}}"]}]}""");

        Assert.Contains(id, await MatchesAsync($"Patient?given={unique}&family=Carreno"));
        Assert.Contains(id, await MatchesAsync($"Patient?given={unique}&family=Quinones"));
    }

    // 3.1.1.4.9 uri: "url=http://acme.org/fhir/ValueSet/123 — the exact url"; "url:below=http://acme.org/fhir/ — any value
    // set that starts with it"; "url:above=http://acme.org/fhir/ValueSet/123/_history/5 — the specified URL, and above".
    [Fact]
    public async Task Uri_exact_below_and_above()
    {
        var root = $"http://acme-{Guid.NewGuid():N}.org";
        var exact = await CreateAsync(ValueSet($"{root}/fhir/ValueSet/123"));
        var sibling = await CreateAsync(ValueSet($"{root}/fhir/ValueSet/1234"));
        var outside = await CreateAsync(ValueSet($"{root}/other/ValueSet/123"));

        Assert.Equal([exact], await MatchesAsync($"ValueSet?url={root}/fhir/ValueSet/123"));
        Assert.Equal(new[] { exact, sibling }.Order(), (await MatchesAsync($"ValueSet?url:below={root}/fhir/")).Order());
        var above = await MatchesAsync($"ValueSet?url:above={root}/fhir/ValueSet/123/_history/5");
        Assert.Contains(exact, above);
        Assert.DoesNotContain(sibling, above);
        Assert.DoesNotContain(outside, above);
    }

    // 3.1.1.4.10 token: "[code] — irrespective of the system", "[system]|[code]", "|[code] — the Coding has no system",
    // "[system]| — any element where the system matches"; 3.1.1.5.x ":not — gender:not=male includes those with no
    // gender"; 3.1.1.4.4 ":missing=true — the resources that don't have a value".
    [Theory]
    [InlineData("code=2339-0", new[] { "loinc", "local" })]
    [InlineData("code=http://loinc.org|2339-0", new[] { "loinc" })]
    [InlineData("code=|2339-0", new[] { "no-system" })]
    [InlineData("code=http://loinc.org|", new[] { "loinc", "other-loinc" })]
    public async Task Token_system_and_code_forms(string search, string[] expected)
    {
        var patient = await PatientAsync();
        var ids = new Dictionary<string, string>
        {
            ["loinc"] = await CreateAsync(Lab(patient, """{"system":"http://loinc.org","code":"2339-0"}""")),
            ["local"] = await CreateAsync(Lab(patient, """{"system":"http://example.org/local","code":"2339-0"}""")),
            ["other-loinc"] = await CreateAsync(Lab(patient, """{"system":"http://loinc.org","code":"2345-7"}""")),
            ["no-system"] = await CreateAsync(Lab(patient, """{"code":"2339-0"}""")),
        };

        var matches = await MatchesAsync($"Observation?subject=Patient/{patient}&{search}&_count=100");

        // "[code] irrespective of the system" includes the system-less one too.
        var want = search == "code=2339-0" ? [.. expected, "no-system"] : expected;
        Assert.Equal(want.Order(), ids.Keys.Where(k => matches.Contains(ids[k])).Order());
    }

    [Fact]
    public async Task Token_not_includes_resources_without_the_element_and_missing_finds_them()
    {
        var family = $"Spec{Guid.NewGuid():N}"[..16];
        var male = await CreateAsync($$"""{"resourceType":"Patient","name":[{"family":"{{family}}"}],"gender":"male"}""");
        var female = await CreateAsync($$"""{"resourceType":"Patient","name":[{"family":"{{family}}"}],"gender":"female"}""");
        var none = await CreateAsync($$"""{"resourceType":"Patient","name":[{"family":"{{family}}"}]}""");

        Assert.Equal(new[] { female, none }.Order(), (await MatchesAsync($"Patient?family={family}&gender:not=male")).Order());
        Assert.Equal([none], await MatchesAsync($"Patient?family={family}&gender:missing=true"));
        Assert.Equal(new[] { male, female }.Order(), (await MatchesAsync($"Patient?family={family}&gender:missing=false")).Order());
    }

    // 3.1.1.4.11 quantity: "5.4|http://unitsofmeasure.org|mg — 5.4 mg (within its precision)", "5.4||mg — any system",
    // "5.4 — any unit", "le5.4|…|mg — less than or equal to 5.4 mg", "ap5.4|…|mg — approximately (10 %)".
    [Theory]
    [InlineData("5.4|http://unitsofmeasure.org|mg", new[] { "5.4mg", "5.36mg" })]
    [InlineData("5.4||mg", new[] { "5.4mg", "5.36mg", "5.4mg-local" })]
    [InlineData("5.4", new[] { "5.4mg", "5.36mg", "5.4mg-local", "5.4mL" })]
    [InlineData("le5.4|http://unitsofmeasure.org|mg", new[] { "5.4mg", "5.36mg", "5.0mg" })]
    [InlineData("ap5.4|http://unitsofmeasure.org|mg", new[] { "5.4mg", "5.36mg", "5.0mg" })]
    public async Task Quantity_forms_and_prefixes(string search, string[] expected)
    {
        var patient = await PatientAsync();
        var ids = new Dictionary<string, string>
        {
            ["5.4mg"] = await CreateAsync(Amount(patient, "5.4", "http://unitsofmeasure.org", "mg")),
            ["5.36mg"] = await CreateAsync(Amount(patient, "5.36", "http://unitsofmeasure.org", "mg")),
            ["5.0mg"] = await CreateAsync(Amount(patient, "5.0", "http://unitsofmeasure.org", "mg")),
            ["4.5mg"] = await CreateAsync(Amount(patient, "4.5", "http://unitsofmeasure.org", "mg")),
            ["5.4mg-local"] = await CreateAsync(Amount(patient, "5.4", "http://example.org/units", "mg")),
            ["5.4mL"] = await CreateAsync(Amount(patient, "5.4", "http://unitsofmeasure.org", "mL")),
        };

        var matches = await MatchesAsync($"Observation?subject=Patient/{patient}&value-quantity={search}&_count=100");

        var want = search.StartsWith("le", StringComparison.Ordinal) ? [.. expected, "4.5mg"] : expected;
        Assert.Equal(want.Order(StringComparer.Ordinal), ids.Keys.Where(k => matches.Contains(ids[k])).Order(StringComparer.Ordinal));
    }

    private static string Observation(string patient, string effective) =>
        $$"""{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"2339-0"}]},"subject":{"reference":"Patient/{{patient}}"},"effectiveDateTime":"{{effective}}"}""";

    private static string Lab(string patient, string coding) =>
        $$$"""{"resourceType":"Observation","status":"final","code":{"coding":[{{{coding}}}]},"subject":{"reference":"Patient/{{{patient}}}"}}""";

    private static string Amount(string patient, string value, string system, string code) =>
        $$$"""{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"2339-0"}]},"subject":{"reference":"Patient/{{{patient}}}"},"valueQuantity":{"value":{{{value}}},"system":"{{{system}}}","code":"{{{code}}}"}}""";

    private static string Encounter(string patient, string period) =>
        $$"""{"resourceType":"Encounter","status":"finished","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},"subject":{"reference":"Patient/{{patient}}"},"period":{{period}}}""";

    private static string Risk(string patient, string probability) =>
        $$"""{"resourceType":"RiskAssessment","status":"final","subject":{"reference":"Patient/{{patient}}"},"prediction":[{"probabilityDecimal":{{probability}}}]}""";

    private static string ValueSet(string url) =>
        $$"""{"resourceType":"ValueSet","url":"{{url}}","name":"Spec","status":"draft"}""";
}
