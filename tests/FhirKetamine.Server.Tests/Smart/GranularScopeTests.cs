using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace FhirKetamine.Server.Tests.Smart;

/// <summary>
/// SMART v2 granular scopes (<c>?category=…</c>, <c>?code=…</c>) are enforced as search predicates: a token for vital
/// signs sees vital-sign Observations and nothing of the others, on read, vread, search, includes, _has, history and batch.
/// </summary>
public sealed class GranularScopeTests(SmartServerFactory server) : IClassFixture<SmartServerFactory>
{
    internal const string VitalSigns = "http://terminology.hl7.org/CodeSystem/observation-category|vital-signs";

    [Fact]
    public async Task Category_scope_sees_vital_signs_and_nothing_of_other_observations()
    {
        var (patient, vital, lab) = await SeedAsync();
        using var fhir = server.CreateFhirClient(await server.EhrTokenAsync($"system/Observation.rs?category={VitalSigns} system/Patient.rs"));

        Assert.Equal(HttpStatusCode.OK, (await fhir.GetAsync($"Observation/{vital}")).StatusCode);
        foreach (var path in new[] { $"Observation/{lab}", $"Observation/{lab}/_history/1", $"Observation/{lab}/_history" })
        {
            using var hidden = await fhir.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
            Assert.DoesNotContain("glucose", await hidden.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        foreach (var path in new[]
        {
            $"Observation?subject=Patient/{patient}", "Observation", "Observation?code=http://loinc.org|2339-0",
            $"Patient?_id={patient}&_revinclude=Observation:subject", $"Observation?subject=Patient/{patient}&_include=Observation:subject",
            "Observation/_history", $"Observation/{vital}/_history",
        })
        {
            using var response = await fhir.GetAsync(path);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {response.StatusCode} {body}");
            Assert.DoesNotContain("glucose", body, StringComparison.Ordinal);
            Assert.DoesNotContain(lab, body, StringComparison.Ordinal);
            if (!path.Contains("2339-0", StringComparison.Ordinal))
            {
                Assert.Contains(vital, body, StringComparison.Ordinal);
            }
        }

        // _has must not reveal that the patient has a (hidden) glucose Observation.
        using var has = await fhir.GetAsync("Patient?_has:Observation:subject:code=http://loinc.org|2339-0");
        Assert.DoesNotContain(patient, await has.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var hasVital = await fhir.GetAsync("Patient?_has:Observation:subject:code=http://loinc.org|8867-4");
        Assert.Contains(patient, await hasVital.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var batch = $$$"""{"resourceType":"Bundle","type":"batch","entry":[{"request":{"method":"GET","url":"Observation/{{{lab}}}"}},{"request":{"method":"GET","url":"Observation/{{{vital}}}"}}]}""";
        using var batchResponse = await fhir.PostAsync("", Fhir(batch));
        var batchBody = await batchResponse.Content.ReadAsStringAsync();
        Assert.Contains("\"404", batchBody, StringComparison.Ordinal);
        Assert.DoesNotContain("glucose", batchBody, StringComparison.Ordinal);
        Assert.Contains("heart rate", batchBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Code_scope_sees_only_that_code_and_a_granular_scope_cannot_write()
    {
        var (_, vital, lab) = await SeedAsync();
        using var fhir = server.CreateFhirClient(await server.EhrTokenAsync("system/Observation.crs?code=http://loinc.org|2339-0"));
        Assert.Equal(HttpStatusCode.OK, (await fhir.GetAsync($"Observation/{lab}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await fhir.GetAsync($"Observation/{vital}")).StatusCode);
        using var created = await fhir.PostAsync("Observation", Fhir(Observation("2339-0", "laboratory", "glucose", null)));
        Assert.Equal(HttpStatusCode.Forbidden, created.StatusCode);
    }

    [Fact]
    public async Task Scope_with_a_filter_that_cannot_be_enforced_grants_nothing()
    {
        var (_, vital, _) = await SeedAsync();
        using var fhir = server.CreateFhirClient(await server.EhrTokenAsync("system/Observation.rs?no-such-parameter=1"));
        Assert.Equal(HttpStatusCode.NotFound, (await fhir.GetAsync($"Observation/{vital}")).StatusCode);
        using var search = await fhir.GetAsync("Observation");
        Assert.DoesNotContain(vital, await search.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    internal async Task<(string Patient, string Vital, string Lab)> SeedAsync()
    {
        using var ehr = server.CreateFhirClient(await server.EhrTokenAsync());
        var patient = await CreateAsync(ehr, "Patient", """{"resourceType":"Patient","name":[{"family":"Okafor"}]}""");
        var vital = await CreateAsync(ehr, "Observation", Observation("8867-4", "vital-signs", "heart rate", patient));
        var lab = await CreateAsync(ehr, "Observation", Observation("2339-0", "laboratory", "glucose", patient));
        return (patient, vital, lab);
    }

    internal static string Observation(string loinc, string category, string text, string? patient) =>
        $$"""{"resourceType":"Observation","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"{{category}}"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"{{loinc}}"}],"text":"{{text}}"},"effectiveDateTime":"2026-01-05T10:00:00Z","valueQuantity":{"value":72,"unit":"/min","system":"http://unitsofmeasure.org","code":"/min"}{{(patient is null ? "" : $$""","subject":{"reference":"Patient/{{patient}}"}""")}}}""";

    internal static async Task<string> CreateAsync(HttpClient client, string type, string json)
    {
        using var response = await client.PostAsync(type, Fhir(json));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return response.Headers.Location!.ToString().Split('/')[^3];
    }

    internal static StringContent Fhir(string json) => new(json, Encoding.UTF8, new MediaTypeHeaderValue("application/fhir+json"));
}
